export { eventually, sleep } from '@switchboard/core/testing';
