import { zodToJsonSchema } from 'zod-to-json-schema';
import { sensorSpecSchema } from './sensorSpec';

/**
 * The JSON Schema of a sensor definition, for editors (yaml-language-server)
 * and the UI. `schema/sensor.schema.json` in this package is generated from it.
 *
 * @public
 */
export function sensorJsonSchema(): Record<string, unknown> {
  return {
    ...(zodToJsonSchema(sensorSpecSchema, {
      name: 'Sensor',
      $refStrategy: 'none',
    }) as Record<string, unknown>),
    title: 'Event Orchestration sensor',
  };
}
