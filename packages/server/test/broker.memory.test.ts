/** The broker conformance suite against the in-memory broker (two nodes of one in-process cluster share a hub). */
import { MemoryBroker, MemoryBrokerHub } from '../src/broker/memory.js';
import { describeBroker } from './broker-conformance.js';

describeBroker('MemoryBroker', {
  async open() {
    const hub = new MemoryBrokerHub();
    const brokers: [MemoryBroker, MemoryBroker] = [new MemoryBroker(hub), new MemoryBroker(hub)];
    return {
      brokers,
      publish: async (entry) => brokers[0].publish(entry),
      close: async () => {
        for (const b of brokers) await b.close();
      },
    };
  },
});
