import { ConfigReader } from '@backstage/config';
import { readPrometheusSettings } from './prometheusInstances';

describe('readPrometheusSettings', () => {
  it('reads the instances and allowed ranges', () => {
    expect(
      readPrometheusSettings(
        new ConfigReader({
          eventOrchestration: {
            prometheus: {
              instances: [
                {
                  name: 'prod',
                  baseUrl: 'https://prometheus.example.com/',
                  token: 'prom-token',
                },
                {
                  name: 'in-cluster',
                  baseUrl: 'http://prometheus.monitoring.svc:9090',
                },
              ],
              allowedCidrs: ['10.96.0.0/12'],
            },
          },
        }),
      ),
    ).toEqual({
      instances: [
        {
          name: 'prod',
          baseUrl: 'https://prometheus.example.com',
          token: 'prom-token',
        },
        {
          name: 'in-cluster',
          baseUrl: 'http://prometheus.monitoring.svc:9090',
          token: undefined,
        },
      ],
      allowedCidrs: ['10.96.0.0/12'],
    });
    expect(readPrometheusSettings(new ConfigReader({}))).toEqual({
      instances: [],
      allowedCidrs: undefined,
    });
  });

  it('names the entry whose baseUrl is not an http(s) URL', () => {
    expect(() =>
      readPrometheusSettings(
        new ConfigReader({
          eventOrchestration: {
            prometheus: {
              instances: [
                { name: 'a', baseUrl: 'https://a.example.com' },
                { name: 'b', baseUrl: 'gopher://b.example.com' },
              ],
            },
          },
        }),
      ),
    ).toThrow(
      'eventOrchestration.prometheus.instances[1].baseUrl must be an http(s) URL',
    );
  });
});
