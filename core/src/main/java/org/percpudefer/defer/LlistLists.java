package org.percpudefer.defer;

import org.percpudefer.cpu.Machine;

/**
 * {@link DeferVariant#PER_CPU_LLIST} (2025: no lock; llist push, xchg to take all, atomic count) and
 * {@link DeferVariant#PER_NODE} (2025: one such list per producer node).
 */
final class LlistLists<T extends Deferrable> extends DeferLists<T> {

    /*
     * Implementation notes.
     *
     * Push (llist_add): obj.next = READ_ONCE(head); cmpxchg(&head, next, obj), retried on failure. The
     * successful cmpxchg is fully ordered, so obj.next is visible to whoever takes the list with xchg
     * (fully ordered too): llist push against take-all, jcstress LlistPushTakeAll.
     *
     * Count: the full check is a lockless atomic_read; the push then does atomic_inc_return. Producers
     * racing past the check all push, so the list can exceed deferMax by about one object per racing
     * producer: a push whose increment ends above deferMax, and a flush that takes more than deferMax,
     * are each counted as an overshoot. The kick is the push whose increment returned
     * (deferMax >> 1) + 1, so exactly one push per fill kicks.
     *
     * Flush: here we part from the kernel on purpose. The kernel does atomic_set(count, 0), then
     * llist_del_all. In softirq context nothing runs between the two; on a JVM the flushing thread can be
     * descheduled there, and every push in that window lands on the list being taken while counting up
     * from 0: the taken list exceeds deferMax (up to twice it), and the count is left with phantom
     * objects that are no longer on the list. Enough phantoms and every push finds the list "full" while
     * it is empty and never flushed again: deferral is off for good (the first two-CPU runs of this
     * project showed 98% fallbacks). So we take first (xchg), walk what we took, and subtract exactly that
     * from the count (atomic_sub): the count then only lags the list by pushes between their cmpxchg and
     * their increment, at most one per producer.
     */

    private final boolean perNode;

    LlistLists(Homes homes, DeferVariant variant, int nodes, Reclaimer<? super T> reclaimer) {
        super(homes, variant, LockKind.TTAS, nodes, reclaimer);
        this.perNode = variant == DeferVariant.PER_NODE;
    }

    @Override
    int defer(int self, T obj) {
        int target = obj.allocCpu;
        // READ_ONCE(sysctl_skb_defer_max), once: every decision of this push uses this one value (jcstress
        // DeferMaxChange.Llist, .LlistKick; weakened, read again for the kick: DeferMaxChange.ReadTwice)
        int max = deferMaxOnce();
        int reason = localReason(self, target, max);
        if (reason != DEFERRED) {
            return freeLocal(self, obj, reason);
        }
        DeferNode list = softnet[target].nodes[perNode ? homes.node(self) : 0];
        if (list.countOnce() >= max) { // atomic_read: lockless full check
            return freeLocal(self, obj, LOCAL_FULL);
        }
        Deferrable head;
        do {
            head = list.listOnce();
            obj.next = head;
        } while (!list.cmpxchgList(head, obj)); // llist_add: publishes obj.next with the head
        int count = list.incReturnCount();
        DeferCounters c = counters[self];
        c.add(DeferCounters.DEFERRED, 1);
        if (count > max) {
            c.add(DeferCounters.OVERSHOOTS, 1);
        }
        if (count - 1 == (max >> 1)) {
            kick(self, target);
        }
        if (head == null) {
            wakeOwner(self, target);
        }
        return DEFERRED;
    }

    @Override
    int flushOn(int cpu) {
        int n = 0;
        RuntimeException failed = null;
        for (DeferNode list : softnet[cpu].nodes) { // PER_NODE: the flush walks every node's list
            if (list.listOnce() == null) { // lockless hint
                continue;
            }
            Deferrable taken = list.xchgList(null); // llist_del_all: pairs with the pushes' cmpxchg
            int len = length(taken);
            list.subCount(len); // atomic_sub, before freeing: a reclaimer that throws leaves no phantom count
            n += len;
            try {
                flushChain(cpu, taken, len);
            } catch (RuntimeException e) { // the other nodes' lists are still flushed
                if (failed == null) {
                    failed = e;
                } else {
                    failed.addSuppressed(e);
                }
            }
        }
        if (failed != null) {
            throw failed;
        }
        return n;
    }

    @Override
    public int queued(int cpu) {
        homes.check(cpu);
        int n = 0;
        for (DeferNode list : softnet[cpu].nodes) {
            n += list.countOnce();
        }
        return n;
    }
}
