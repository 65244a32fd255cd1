import { runAccountStoreContract, runRoomStoreContract } from '../testing/store-contract.ts';
import { MemoryAccountStore, MemoryRoomStore } from './memory-stores.ts';

runAccountStoreContract('memory', () => ({ store: new MemoryAccountStore() }), { durable: false });
runRoomStoreContract('memory', () => ({ store: new MemoryRoomStore() }), { durable: false });
