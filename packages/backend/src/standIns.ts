import {
  LoggerService,
  RootConfigService,
} from '@backstage/backend-plugin-api';

/**
 * Whether the example's stand-ins (Argo CD, Kubernetes API server, Git host)
 * serve their routes. They are unauthenticated — the Git host accepts anyone's
 * pushes — so they are off unless `demo.standIns` is true, as in app-config.yaml;
 * app-config.production.yaml turns them off again.
 */
export function standInsEnabled(
  config: RootConfigService,
  logger: LoggerService,
  path: string,
): boolean {
  if (config.getOptionalBoolean('demo.standIns') !== true) {
    logger.info(`Stand-in ${path} is off (demo.standIns is not true)`);
    return false;
  }
  logger.warn(
    `Stand-in ${path} is on (demo.standIns): unauthenticated, for the example only`,
  );
  return true;
}
