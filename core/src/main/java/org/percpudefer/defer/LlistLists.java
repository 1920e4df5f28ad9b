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
     * racing past the check all push, so the list can exceed deferMax by up to one object per racing
     * producer: each push that ends above deferMax is counted as an overshoot. The kick is the push whose
     * increment returned (deferMax >> 1) + 1, so exactly one push per fill kicks.
     *
     * Flush: atomic_set(count, 0) first, then xchg(head, null), as the kernel orders them: a push counted
     * after the reset but taken by the xchg leaves the count above the list's length, never below it, so
     * the count stays a safe upper bound.
     */

    private final boolean perNode;

    LlistLists(Machine machine, DeferVariant variant, int nodes, Reclaimer<? super T> reclaimer) {
        super(machine, variant, LockKind.TTAS, nodes, reclaimer);
        this.perNode = variant == DeferVariant.PER_NODE;
    }

    @Override
    int defer(int self, T obj) {
        int target = obj.allocCpu;
        int reason = targetReason(self, target);
        if (reason != DEFERRED) {
            return freeLocal(self, obj, reason);
        }
        int max = deferMaxOnce();
        if (max == 0) {
            return freeLocal(self, obj, LOCAL_DISABLED);
        }
        DeferNode list = softnet[target].nodes[perNode ? machine.cpu(self).node() : 0];
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
        for (DeferNode list : softnet[cpu].nodes) { // PER_NODE: the flush walks every node's list
            if (list.listOnce() == null) { // lockless hint
                continue;
            }
            list.setCountOnce(0); // atomic_set, before the take: the count never under-states the list
            n += flushChain(cpu, list.xchgList(null)); // llist_del_all: pairs with the pushes' cmpxchg
        }
        return n;
    }

    @Override
    public int queued(int cpu) {
        machine.cpu(cpu);
        int n = 0;
        for (DeferNode list : softnet[cpu].nodes) {
            n += list.countOnce();
        }
        return n;
    }
}
