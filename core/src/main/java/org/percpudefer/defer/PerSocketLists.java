package org.percpudefer.defer;

import org.percpudefer.cpu.Machine;

/**
 * {@link DeferVariant#PER_SOCKET} (f35f821935, 5.17): the consumer puts each object on its socket's
 * lock-free list instead of freeing it under the socket lock, and the list is drained after the socket
 * lock is released and by the receive handler. Here a socket is the consuming CPU's own (one flow per
 * consumer, as in the seed's TCP_STREAM test) and its receive handler runs on that CPU (RFS), so the
 * objects are freed in bulk, outside the critical section, but still on the consuming CPU: what 5.17
 * bought, and why the seed replaced it. The drain is {@link #flush()} (call it after the socket lock is
 * released), the NET_RX action, and the idle hook. {@code deferMax} bounds the socket's list too.
 */
final class PerSocketLists<T extends Deferrable> extends DeferLists<T> {

    PerSocketLists(Homes homes, Reclaimer<? super T> reclaimer) {
        super(homes, DeferVariant.PER_SOCKET, LockKind.TTAS, 1, reclaimer);
    }

    @Override
    int defer(int self, T obj) {
        int max = deferMaxOnce();
        if (max == 0) {
            return freeLocal(self, obj, LOCAL_DISABLED);
        }
        DeferNode socket = softnet[self].nodes[0];
        if (socket.countOnce() >= max) {
            return freeLocal(self, obj, LOCAL_FULL);
        }
        Deferrable head;
        do {
            head = socket.listOnce();
            obj.next = head;
        } while (!socket.cmpxchgList(head, obj)); // llist_add: the receive handler may drain concurrently
        socket.incReturnCount();
        counters[self].add(DeferCounters.DEFERRED, 1);
        return DEFERRED;
    }

    @Override
    int flushOn(int cpu) {
        DeferNode socket = softnet[cpu].nodes[0];
        if (socket.listOnce() == null) {
            return 0;
        }
        Deferrable taken = socket.xchgList(null);
        int n = length(taken);
        socket.subCount(n); // exact, and before freeing, as in LlistLists
        flushChain(cpu, taken, n);
        return n;
    }

    @Override
    public int queued(int cpu) {
        homes.check(cpu);
        return softnet[cpu].nodes[0].countOnce();
    }
}
