export { OutboundPolicy } from './outboundPolicy';
export type { OutboundPolicyOptions, OutboundVerdict } from './outboundPolicy';
export { createOutboundAgent, systemResolver } from './outboundAgent';
export type { HostResolver } from './outboundAgent';
export { readCappedBody } from './readCappedBody';
