import { createOrchestrationAction } from '@edo/plugin-event-orchestration-node';
import { z } from 'zod';
import { examples } from './logAction.examples';

/** `log`: writes a line to the step's log; handy for trying sensors out. */
export const logAction = createOrchestrationAction({
  id: 'log',
  description: "Writes a message to the step's log.",
  examples,
  schema: {
    input: z
      .object({
        message: z.string().describe('The text to log'),
        level: z.enum(['info', 'warn', 'error']).default('info'),
      })
      .strict(),
  },
  async handler(ctx) {
    ctx.logger[ctx.input.level](ctx.input.message);
  },
});
