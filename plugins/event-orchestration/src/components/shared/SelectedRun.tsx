import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import Button from '@material-ui/core/Button';
import { useSearchParams } from 'react-router-dom';
import { useRun } from '../../hooks';
import { RunStepsPanel } from './RunStepsPanel';
import { StatusChip } from './StatusChip';

/**
 * The run named by `?run=<id>` in the page's URL, on top of the page: the
 * shareable form of a run's detail (every run's panel links to it).
 */
export function SelectedRun() {
  const [params, setParams] = useSearchParams();
  const runId = params.get('run');
  const { run, loading, error, refresh } = useRun(runId);
  if (!runId) return null;
  const close = () => {
    params.delete('run');
    setParams(params);
  };
  if (loading && !run) return <Progress />;
  if (error)
    return (
      <ResponseErrorPanel
        error={error}
        title={`Run ${runId} could not be shown`}
      />
    );
  if (!run) return null;
  return (
    <InfoCard
      title={
        <>
          Run of {run.sensor} <StatusChip status={run.status} />
        </>
      }
      subheader={`${run.id} · started ${new Date(
        run.startedAt ?? run.createdAt,
      ).toLocaleString()}`}
      action={<Button onClick={close}>Close</Button>}
    >
      <RunStepsPanel run={run} onChanged={refresh} />
    </InfoCard>
  );
}
