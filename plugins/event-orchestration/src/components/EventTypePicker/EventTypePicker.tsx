import { FieldExtensionComponentProps } from '@backstage/plugin-scaffolder-react';
import TextField from '@material-ui/core/TextField';
import Autocomplete from '@material-ui/lab/Autocomplete';
import { useSensors } from '../../hooks';
import { EVENT_TYPE_PATTERN } from '@edo/plugin-event-orchestration-common';

/**
 * `ui:field: EventOrchestrationEventTypePicker` — an event type for template
 * forms: suggests the types the loaded sensors listen to (with the sensors that
 * would see it), and accepts any other well-formed type.
 */
export function EventTypePicker(props: FieldExtensionComponentProps<string>) {
  const { formData, onChange, schema, required, rawErrors, uiSchema } = props;
  const sensors = useSensors();
  const listeners = new Map<string, string[]>();
  for (const sensor of sensors.value?.items ?? []) {
    for (const dependency of sensor.spec.dependencies) {
      listeners.set(dependency.eventType, [
        ...(listeners.get(dependency.eventType) ?? []),
        sensor.name,
      ]);
    }
  }
  const options = [...listeners.keys()].sort();
  const heard = formData ? listeners.get(formData) : undefined;
  let helper = schema.description ?? 'The type of the event to publish';
  if (formData)
    helper = heard
      ? `Sensors listening: ${heard.join(', ')}`
      : 'No loaded sensor listens to this type';
  if (rawErrors?.length) helper = rawErrors[0];

  return (
    <Autocomplete
      freeSolo
      options={options}
      loading={sensors.loading}
      value={formData ?? ''}
      onChange={(_, value) => onChange(value ?? undefined)}
      onInputChange={(_, value) => onChange(value || undefined)}
      renderInput={params => (
        <TextField
          {...params}
          id={props.idSchema?.$id ?? 'event-type'}
          label={schema.title ?? 'Event type'}
          required={required}
          error={Boolean(rawErrors?.length)}
          helperText={helper}
          placeholder={uiSchema?.['ui:placeholder'] as string | undefined}
          margin="normal"
        />
      )}
    />
  );
}

/** Form validation: a dotted lower-case type. */
export function validateEventType(
  value: string,
  validation: { addError(message: string): void },
) {
  if (value && !EVENT_TYPE_PATTERN.test(value)) {
    validation.addError(
      `'${value}' is not an event type: dotted lower-case, like portal.deploy.requested`,
    );
  }
}
