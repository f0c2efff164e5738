import { createFormField } from '@backstage/plugin-scaffolder-react/alpha';
import { EventTypePicker, validateEventType } from './EventTypePicker';

export { EventTypePicker, validateEventType } from './EventTypePicker';

/** The form field, for the new frontend system's scaffolder. */
export const eventTypePickerField = createFormField({
  name: 'EventOrchestrationEventTypePicker',
  component: EventTypePicker as any,
  validation: validateEventType as any,
});
