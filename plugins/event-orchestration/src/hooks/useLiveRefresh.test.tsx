import { PropsWithChildren } from 'react';
import { signalApiRef } from '@backstage/plugin-signals-react';
import { TestApiProvider } from '@backstage/test-utils';
import {
  EVENTS_SIGNAL_CHANNEL,
  RUNS_SIGNAL_CHANNEL,
} from '@edo/plugin-event-orchestration-common';
import { act, renderHook } from '@testing-library/react';
import { TestSignals } from '../__testUtils__/withApis';
import { useLiveRefresh, LiveRefreshOptions } from './useLiveRefresh';

function render(options: LiveRefreshOptions, signals: TestSignals | undefined) {
  const refresh = jest.fn();
  // Without a signal API the app has no signals plugin installed.
  const wrapper = ({ children }: PropsWithChildren<{}>) =>
    signals ? (
      <TestApiProvider apis={[[signalApiRef, signals]]}>
        {children}
      </TestApiProvider>
    ) : (
      <TestApiProvider apis={[]}>{children}</TestApiProvider>
    );
  const hook = renderHook(() => useLiveRefresh(refresh, options), {
    wrapper,
  });
  return { refresh, hook };
}

describe('useLiveRefresh', () => {
  afterEach(() => jest.useRealTimers());

  it('refreshes once per run or event signal naming the entity, in any case, and ignores other entities', () => {
    const signals = new TestSignals();
    const { refresh, hook } = render(
      { entityRef: 'component:default/My-App', pollIntervalMs: 1000 },
      signals,
    );
    expect(hook.result.current.isLive).toBe(true);
    expect(refresh).not.toHaveBeenCalled();

    act(() =>
      signals.publish(RUNS_SIGNAL_CHANNEL, {
        runId: 'r1',
        sensor: 's',
        status: 'running',
        entityRefs: ['component:default/my-app'],
      }),
    );
    expect(refresh).toHaveBeenCalledTimes(1);
    // A re-render keeps the last signal; it must not refresh again.
    hook.rerender();
    expect(refresh).toHaveBeenCalledTimes(1);

    act(() =>
      signals.publish(EVENTS_SIGNAL_CHANNEL, {
        eventId: 'e1',
        entityRefs: ['component:default/billing'],
      }),
    );
    expect(refresh).toHaveBeenCalledTimes(1);

    act(() =>
      signals.publish(EVENTS_SIGNAL_CHANNEL, {
        eventId: 'e2',
        type: 'alertmanager.alert',
        entityRefs: ['component:default/my-app'],
      }),
    );
    expect(refresh).toHaveBeenCalledTimes(2);
  });

  it('refreshes on every signal when no entity is given', () => {
    const signals = new TestSignals();
    const { refresh } = render({}, signals);
    act(() =>
      signals.publish(EVENTS_SIGNAL_CHANNEL, { eventId: 'e', entityRefs: [] }),
    );
    act(() =>
      signals.publish(RUNS_SIGNAL_CHANNEL, { runId: 'r', entityRefs: [] }),
    );
    expect(refresh).toHaveBeenCalledTimes(2);
  });

  it('polls at the given interval when signals are not installed', () => {
    jest.useFakeTimers();
    const { refresh, hook } = render(
      { entityRef: 'component:default/my-app', pollIntervalMs: 10_000 },
      undefined,
    );
    expect(hook.result.current.isLive).toBe(false);
    act(() => jest.advanceTimersByTime(9_999));
    expect(refresh).not.toHaveBeenCalled();
    act(() => jest.advanceTimersByTime(1));
    expect(refresh).toHaveBeenCalledTimes(1);
    act(() => jest.advanceTimersByTime(20_000));
    expect(refresh).toHaveBeenCalledTimes(3);
  });

  it('neither polls when signals are installed nor without an interval', () => {
    jest.useFakeTimers();
    const live = render({ pollIntervalMs: 1_000 }, new TestSignals());
    const unpolled = render({}, undefined);
    act(() => jest.advanceTimersByTime(60_000));
    expect(live.refresh).not.toHaveBeenCalled();
    expect(unpolled.refresh).not.toHaveBeenCalled();
  });
});
