import { ComponentProps } from 'react';
import Button from '@material-ui/core/Button';
import { BasicPermission } from '@backstage/plugin-permission-common';
import { usePermission } from '@backstage/plugin-permission-react';

/**
 * A button that is disabled, with a tooltip naming the permission, for users
 * the permission policy does not allow: never shown as working and then
 * failing with 403.
 */
export function PermittedButton(
  props: ComponentProps<typeof Button> & { permission: BasicPermission },
) {
  const { permission, disabled, ...button } = props;
  const { allowed } = usePermission({ permission });
  return (
    <span title={allowed ? '' : `Needs the permission ${permission.name}`}>
      <Button {...button} disabled={disabled || !allowed} />
    </span>
  );
}
