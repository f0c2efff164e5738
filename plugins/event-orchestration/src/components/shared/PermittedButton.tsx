import { ComponentProps } from 'react';
import Button from '@material-ui/core/Button';
import { BasicPermission } from '@backstage/plugin-permission-common';
import { usePermission } from '@backstage/plugin-permission-react';

/** What a permission check answered, for {@link GuardedButton}. */
export interface Permitted {
  loading?: boolean;
  allowed: boolean;
  /** What the user lacks, shown as the tooltip of the disabled button. */
  missing?: string;
}

/**
 * A button that is disabled, with a tooltip naming what is missing, for users
 * the permission policy does not allow (and while the answer is on its way):
 * never shown as working and then failing with 403.
 */
export function GuardedButton(
  props: ComponentProps<typeof Button> & { permitted: Permitted },
) {
  const { permitted, disabled, ...button } = props;
  return (
    <span title={permitted.allowed ? '' : permitted.missing ?? ''}>
      <Button {...button} disabled={disabled || !permitted.allowed} />
    </span>
  );
}

/** A {@link GuardedButton} for one basic permission. */
export function PermittedButton(
  props: ComponentProps<typeof Button> & { permission: BasicPermission },
) {
  const { permission, ...button } = props;
  const { allowed, loading } = usePermission({ permission });
  return (
    <GuardedButton
      {...button}
      permitted={{
        loading,
        allowed,
        missing: loading
          ? undefined
          : `Needs the permission ${permission.name}`,
      }}
    />
  );
}
