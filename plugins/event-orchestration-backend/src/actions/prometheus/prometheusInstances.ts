import { Config } from '@backstage/config';
import { HostResolver } from '../../shared/http';

/** A Prometheus server, `eventOrchestration.prometheus.instances[]`. */
export interface PrometheusInstance {
  name: string;
  baseUrl: string;
  /** Sent as `Authorization: Bearer`, when set. */
  token?: string;
}

/** What `prometheus:query` reaches, from `eventOrchestration.prometheus`. */
export interface PrometheusSettings {
  instances: PrometheusInstance[];
  /** Address ranges the instances may resolve to although denied by default (in-cluster Prometheus). */
  allowedCidrs?: string[];
  /** How host names resolve (tests). */
  resolve?: HostResolver;
}

/** Reads `eventOrchestration.prometheus`; a bad entry stops startup with the key named. */
export function readPrometheusSettings(config: Config): PrometheusSettings {
  const instances = (
    config.getOptionalConfigArray('eventOrchestration.prometheus.instances') ??
    []
  ).map((entry, i) => {
    const baseUrl = entry.getString('baseUrl').replace(/\/+$/, '');
    if (!/^https?:\/\/[^/]/.test(baseUrl) || !URL.canParse(baseUrl)) {
      throw new Error(
        `eventOrchestration.prometheus.instances[${i}].baseUrl must be an http(s) URL`,
      );
    }
    return {
      name: entry.getString('name'),
      baseUrl,
      token: entry.getOptionalString('token'),
    };
  });
  return {
    instances,
    allowedCidrs: config.getOptionalStringArray(
      'eventOrchestration.prometheus.allowedCidrs',
    ),
  };
}
