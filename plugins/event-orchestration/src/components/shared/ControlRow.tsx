import { PropsWithChildren } from 'react';
import Box from '@material-ui/core/Box';

/** A wrapping row of fields and buttons under a panel's text, as run controls and sensor tests use. */
export function ControlRow(props: PropsWithChildren<{}>) {
  return (
    <Box
      display="flex"
      alignItems="center"
      flexWrap="wrap"
      style={{ gap: 8 }}
      marginTop={1}
    >
      {props.children}
    </Box>
  );
}
