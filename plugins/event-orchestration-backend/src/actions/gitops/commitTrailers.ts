/**
 * Whether `message` is the commit of the step with this idempotency key: its
 * last paragraph — the trailers we write after everything a step's input can
 * put in a message — has the exact line `Event-Orchestration-Key: <key>`.
 * A substring search would take step `deploy-prod`'s commit for step
 * `deploy`'s, or a message a user wrote with the line in it for another run's.
 */
export function isStepCommit(message: string, idempotencyKey: string) {
  const paragraphs = message
    .replace(/\r\n/g, '\n')
    .trimEnd()
    .split(/\n\s*\n/);
  const trailers = paragraphs[paragraphs.length - 1] ?? '';
  const wanted = `Event-Orchestration-Key: ${idempotencyKey}`;
  return trailers.split('\n').some(line => line.trim() === wanted);
}
