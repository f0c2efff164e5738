import { registerMswTestHooks, renderInTestApp } from '@backstage/test-utils';
import { fireEvent, screen } from '@testing-library/react';
import { rest } from 'msw';
import { setupServer } from 'msw/node';
import { TEST_BASE_URL as BASE, withApis } from '../../__testUtils__/withApis';
import { EventTypePicker, validateEventType } from './EventTypePicker';

const server = setupServer();
registerMswTestHooks(server);

describe('EventOrchestrationEventTypePicker', () => {
  it('suggests the types loaded sensors listen to, names the listeners, and takes other types', async () => {
    server.use(
      rest.get(`${BASE}/sensors`, (_req, res, ctx) =>
        res(
          ctx.json({
            items: [
              {
                name: 'slo-remediation',
                spec: {
                  dependencies: [
                    { name: 'a', eventType: 'alertmanager.alert' },
                  ],
                },
              },
              {
                name: 'scale-on-high-cpu',
                spec: {
                  dependencies: [
                    { name: 'b', eventType: 'alertmanager.alert' },
                  ],
                },
              },
              {
                name: 'manual-remediation',
                spec: {
                  dependencies: [
                    { name: 'c', eventType: 'portal.remediation.requested' },
                  ],
                },
              },
            ],
            errors: [],
          }),
        ),
      ),
    );
    const onChange = jest.fn();
    const props = (formData?: string) =>
      ({
        formData,
        onChange,
        schema: { title: 'Event type' },
        uiSchema: {},
        required: true,
        rawErrors: [],
        idSchema: { $id: 'root_type' },
      } as any);
    const { rerender } = await renderInTestApp(
      withApis(<EventTypePicker {...props()} />),
    );
    const input = screen.getByLabelText(/Event type/);
    fireEvent.mouseDown(input);
    fireEvent.change(input, { target: { value: 'a' } });
    fireEvent.click(
      await screen.findByRole('option', { name: 'alertmanager.alert' }),
    );
    expect(onChange).toHaveBeenLastCalledWith('alertmanager.alert');

    rerender(withApis(<EventTypePicker {...props('alertmanager.alert')} />));
    expect(
      await screen.findByText(
        'Sensors listening: slo-remediation, scale-on-high-cpu',
      ),
    ).toBeInTheDocument();
    rerender(withApis(<EventTypePicker {...props('portal.something.new')} />));
    expect(
      await screen.findByText('No loaded sensor listens to this type'),
    ).toBeInTheDocument();
  });

  it('refuses types that are not dotted lower-case', () => {
    const errors: string[] = [];
    validateEventType('Deploy Now', { addError: m => void errors.push(m) });
    validateEventType('portal.deploy.requested', {
      addError: m => void errors.push(m),
    });
    expect(errors).toEqual([
      "'Deploy Now' is not an event type: dotted lower-case, like portal.deploy.requested",
    ]);
  });
});
