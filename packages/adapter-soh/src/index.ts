export { sohAdapter, startSohServer } from './soh-adapter.ts';
export {
  DEFAULT_MAX_FIELD_BYTES,
  encodeSohDelivery,
  encodeSohFields,
  SOH,
  SohFieldDecoder,
} from './soh-codec.ts';
export { DEFAULT_NAME_TIMEOUT_MS, type SohOptions, sohOptionsSchema } from './soh-options.ts';
