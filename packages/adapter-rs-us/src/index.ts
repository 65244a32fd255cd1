export { rsUsAdapter } from './rs-us-adapter.ts';
export {
  encodeEvent,
  encodeRsUs,
  RECORD_SEPARATOR,
  type RsUsDecodeError,
  RsUsDecoder,
  type RsUsFrame,
  splitMessage,
  stripDelimiters,
  UNIT_SEPARATOR,
} from './rs-us-codec.ts';
export { type RsUsOptions, rsUsOptionsSchema } from './rs-us-options.ts';
