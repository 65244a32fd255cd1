import type { Server } from 'node:net';
import type { Logger } from '../ports/logger.ts';
import type { DescriptorWatch } from './descriptor-watch.ts';

const OUT_OF_DESCRIPTORS = new Set(['EMFILE', 'ENFILE']);

/**
 * A listening server's errors after it is up: they are about one connection that could not be
 * accepted, never a reason to stop. Out of descriptors goes to the {@link DescriptorWatch}
 * (logged once per interval); the rest (ECONNABORTED and the like) at debug level.
 */
export function watchAcceptErrors(server: Server, logger: Logger, descriptors: DescriptorWatch): void {
  server.on('error', (error: NodeJS.ErrnoException) => {
    // A failing listen() is its caller's to report (the port is taken, say).
    if (error.syscall === 'listen') return;
    if (OUT_OF_DESCRIPTORS.has(error.code ?? '')) descriptors.exhausted(error.code!);
    else logger.debug({ err: error }, 'accept failed');
  });
}
