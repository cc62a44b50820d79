export { type HashKey, murmur3, Rendezvous, rendezvousOwner, rendezvousOwners } from './rendezvous.js';
