import { runAccountStoreContract, runRoomStoreContract } from '../testing/store-contract.ts';
import { MemoryAccountStore, MemoryRoomStore } from './memory-stores.ts';

runAccountStoreContract('memory', () => ({ store: new MemoryAccountStore() }));
runRoomStoreContract('memory', () => ({ store: new MemoryRoomStore() }));
