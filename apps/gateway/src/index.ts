export { adapterNames, adapterPackage, adapters } from './adapters.ts';
export { ConfigError, type GatewayConfig, loadConfig } from './config.ts';
export { type RunningGateway, startGateway } from './gateway.ts';
export { createLogger } from './logger.ts';
