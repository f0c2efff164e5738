/**
 * The `edo-sensors` command line: validate sensor files and dry-run them.
 *
 * @packageDocumentation
 */
export { runSensorsCli } from './sensorsCli';
