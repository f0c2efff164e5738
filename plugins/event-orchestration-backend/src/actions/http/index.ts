export {
  createHttpRequestAction,
  httpRequestAction,
  readHttpRequestActionOptions,
} from './httpRequestAction';
