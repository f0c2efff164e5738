export { createPrometheusQueryAction } from './queryAction';
export { readPrometheusSettings } from './prometheusInstances';
export type {
  PrometheusInstance,
  PrometheusSettings,
} from './prometheusInstances';
