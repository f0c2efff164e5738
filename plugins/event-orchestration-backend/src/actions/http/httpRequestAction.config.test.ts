import { ConfigReader } from '@backstage/config';
import { OutboundPolicy } from '../../shared/http';
import { readHttpRequestActionOptions } from './httpRequestAction';

const refusal = (reason: string) => ({ allowed: false, reason });

describe('readHttpRequestActionOptions', () => {
  it('reads both keys from config, production overriding the example loopback allowance with []', () => {
    const config = ConfigReader.fromConfigs([
      {
        context: 'app-config.yaml',
        data: {
          eventOrchestration: {
            actions: { http: { allowedCidrs: ['127.0.0.0/8', '::1/128'] } },
          },
        },
      },
      {
        context: 'app-config.production.yaml',
        data: {
          eventOrchestration: {
            actions: {
              http: { allowedHosts: ['hooks.slack.com'], allowedCidrs: [] },
            },
          },
        },
      },
    ]);
    const options = readHttpRequestActionOptions(config);
    expect(options).toEqual({
      allowedHosts: ['hooks.slack.com'],
      allowedCidrs: [],
    });
    expect(new OutboundPolicy(options).checkAddress('127.0.0.1')).toEqual(
      refusal(
        'http:request refused 127.0.0.1 (loopback address); allow it with eventOrchestration.actions.http.allowedCidrs',
      ),
    );
  });
});
