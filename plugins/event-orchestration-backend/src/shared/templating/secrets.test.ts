import { ConfigReader } from '@backstage/config';
import { TemplateSecrets, maskedSecretsFor, secretNamesIn } from './secrets';

describe('secretNamesIn', () => {
  it('finds literal names and ignores fields that are merely called secrets', () => {
    expect(
      secretNamesIn({
        headers: {
          Authorization: 'Bearer ${{ secrets.slackToken }}',
          'X-Other': '${{ secrets . apiKey }}-${{ event.data.secrets.count }}',
        },
        escaped: '$${{ secrets.notRendered }}',
      }),
    ).toEqual(['slackToken', 'apiKey']);
  });

  it('refuses a name an event could choose', () => {
    expect(() => secretNamesIn('${{ secrets[event.data.name] }}')).toThrow(
      'secrets can only be named literally, as secrets.<name>: ${{ secrets[event.data.name] }}',
    );
    expect(() => secretNamesIn('${{ secrets }}')).toThrow(
      'secrets can only be named literally',
    );
  });

  it('previews with *** for every name', () => {
    expect(maskedSecretsFor({ a: '${{ secrets.x }}${{ secrets.y }}' })).toEqual(
      {
        x: '***',
        y: '***',
      },
    );
  });
});

describe('TemplateSecrets', () => {
  const secrets = TemplateSecrets.fromConfig(
    new ConfigReader({
      eventOrchestration: { secrets: { slackToken: 'xoxb-secret-1' } },
    }),
  );
  const input = {
    headers: { Authorization: 'Bearer ${{ secrets.slackToken }}' },
  };

  it('gives the real value for the action and *** for what is stored', () => {
    expect(
      secrets.contextsFor(input, {
        action: 'http:request',
        startedByHand: false,
      }),
    ).toEqual({
      real: { slackToken: 'xoxb-secret-1' },
      masked: { slackToken: '***' },
    });
    expect(
      secrets.contextsFor(
        { a: 1 },
        { action: 'http:request', startedByHand: false },
      ),
    ).toBeUndefined();
  });

  it('refuses secrets where they would be stored as given or could be sent anywhere', () => {
    expect(() =>
      secrets.contextsFor(
        { message: '${{ secrets.slackToken }}' },
        { action: 'log', startedByHand: false },
      ),
    ).toThrow("secrets cannot be used in the input of action 'log'");
    expect(() =>
      secrets.contextsFor(input, {
        action: 'http:request',
        startedByHand: true,
      }),
    ).toThrow('not in the input of a hand-started action');
  });

  it('checks configured names and values at start-up, naming the key and not the value', () => {
    expect(() =>
      TemplateSecrets.fromConfig(
        new ConfigReader({
          eventOrchestration: { secrets: { 'slack-token': 'long-enough' } },
        }),
      ),
    ).toThrow('eventOrchestration.secrets.slack-token: a secret');
    expect(() =>
      TemplateSecrets.fromConfig(
        new ConfigReader({ eventOrchestration: { secrets: { pin: '1234' } } }),
      ),
    ).toThrow(
      'eventOrchestration.secrets.pin is shorter than 6 characters; it could not be scrubbed from what steps store',
    );
  });
});
