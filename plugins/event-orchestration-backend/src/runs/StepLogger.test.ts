import { mockServices } from '@backstage/backend-test-utils';
import { StepLogger } from './StepLogger';
import { scrubText } from '../shared/redaction/redactSecrets';

describe('StepLogger', () => {
  it('keeps and forwards a line with the credentials in it scrubbed', () => {
    const target = mockServices.logger.mock();
    const child = mockServices.logger.mock();
    target.child.mockReturnValue(child);
    const logger = new StepLogger(target, [], text =>
      scrubText(text, ['configured-secret-1']),
    );
    logger.info('cloning https://deploy:pw-1234@git.example.com/org/repo.git');
    logger.child({ attempt: 2 }).warn('rejected configured-secret-1');
    logger.debug('token=abc123');
    expect(logger.lines.map(line => line.replace(/^\S+ /, ''))).toEqual([
      'info cloning https://***@git.example.com/org/repo.git',
      'warn rejected ***',
    ]);
    expect(target.info).toHaveBeenCalledWith(
      'cloning https://***@git.example.com/org/repo.git',
      undefined,
    );
    expect(child.warn).toHaveBeenCalledWith('rejected ***', undefined);
    expect(target.debug).toHaveBeenCalledWith('token=***', undefined);
  });
});
