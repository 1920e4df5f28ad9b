package org.percpudefer.defer;

import org.percpudefer.cpu.Machine;

/**
 * {@link DeferVariant#PER_CPU_LOCKED} (the seed) and {@link DeferVariant#BATCHED} (the seed's unbuilt
 * per-producer cache): a per-CPU singly linked list under the pluggable defer lock.
 */
final class LockedLists<T extends Deferrable> extends DeferLists<T> {

    /*
     * Implementation notes.
     *
     * Under the lock: the head and the count are written with WRITE_ONCE, because producers read the
     * count and the owner reads the head without the lock (READ_ONCE): the "full" check and the flush
     * hint. Neither lockless read decides anything that needs ordering: a stale count only makes a
     * producer free locally or take the lock to find the list full; a stale null head only makes the
     * owner skip this flush, and the push it missed is covered by the kick, the wake of an empty list's
     * owner, or the owner's next NET_RX / idle flush (jcstress: DeferPushFlush.PushVsFlush,
     * DeferIpiScheduled.KickAfterClear).
     *
     * The lock's acquire/release orders everything else: a producer's obj.next and the new head are
     * visible to the owner that takes the list under the same lock.
     *
     * BATCHED: a producer chains objects per target in its own Outgoing (its thread only, plain), and
     * splices a whole chain in one critical section: the cost of the lock and of the line bounce is paid
     * once per batch. The splice re-checks room under the lock and frees what does not fit locally.
     */

    /** Largest batch; a batch is also capped at a quarter of deferMax so small settings still batch. */
    static final int MAX_BATCH = 16;

    private final boolean batched;

    LockedLists(Homes homes, DeferVariant variant, LockKind lockKind, Reclaimer<? super T> reclaimer) {
        super(homes, variant, lockKind, 1, reclaimer);
        this.batched = variant == DeferVariant.BATCHED;
    }

    static int batchSize(int deferMax) {
        return Math.max(1, Math.min(MAX_BATCH, deferMax >> 2));
    }

    @Override
    int defer(int self, T obj) {
        int target = obj.allocCpu;
        // READ_ONCE(sysctl_skb_defer_max), once: every decision of this push uses this one value (jcstress
        // DeferMaxChange.Locked, .LockedKick; weakened, read again for the kick: DeferMaxChange.ReadTwice)
        int max = deferMaxOnce();
        int reason = localReason(self, target, max);
        if (reason != DEFERRED) {
            return freeLocal(self, obj, reason);
        }
        if (softnet[target].deferCountOnce() >= max) { // lockless: READ_ONCE(sd->defer_count)
            return freeLocal(self, obj, LOCAL_FULL);
        }
        if (!batched) {
            obj.next = null;
            splice(self, target, obj, obj, 1, max);
            return DEFERRED;
        }
        SoftnetData sd = softnet[self];
        SoftnetData.Outgoing out = sd.outgoing;
        if (out == null) {
            out = new SoftnetData.Outgoing(softnet.length);
            sd.outgoing = out;
        }
        SoftnetData.Batch b = out.batch(target);
        if (b.count == 0) {
            b.tail = obj;
            if (!b.pending) {
                b.pending = true;
                out.pendingTargets[out.pendingCount++] = target;
            }
        }
        obj.next = b.head;
        b.head = obj;
        if (++b.count >= batchSize(max)) {
            handOver(self, target, b);
        }
        return DEFERRED;
    }

    /** Hands one outgoing batch to its target. The target stays in pendingTargets until the next handOverAll. */
    private void handOver(int self, int target, SoftnetData.Batch b) {
        Deferrable head = b.head;
        Deferrable tail = b.tail;
        int n = b.count;
        b.head = null;
        b.tail = null;
        b.count = 0;
        if (!homes.online(target)) {
            counters[self].add(LOCAL_OFFLINE, n);
            freeChain(head);
            return;
        }
        int max = deferMaxOnce();
        if (max == 0) {
            counters[self].add(LOCAL_DISABLED, n);
            freeChain(head);
            return;
        }
        splice(self, target, head, tail, n, max);
    }

    /**
     * Puts the chain head..tail (n objects) on target's list in one critical section; what does not fit
     * under deferMax is freed here. Then the kick and the wake, outside the lock.
     */
    private void splice(int self, int target, Deferrable head, Deferrable tail, int n, int max) {
        SoftnetData t = softnet[target];
        int before;
        Deferrable rest;
        DeferLock lock = t.lock;
        if (lock == null) {
            synchronized (t) { // LockKind.SYNCHRONIZED (jcstress DeferPushFlush.TwoProducersSynchronized, .PushVsFlushSynchronized)
                before = t.deferCountOnce();
                rest = spliceLocked(t, head, tail, n, max, before);
            }
        } else {
            boolean contended = lock.lock(self);
            try {
                before = t.deferCountOnce();
                rest = spliceLocked(t, head, tail, n, max, before);
            } finally {
                lock.unlock(self);
            }
            if (contended) {
                counters[self].add(DeferCounters.LOCKS_CONTENDED, 1);
            }
        }
        DeferCounters c = counters[self];
        c.add(DeferCounters.LOCKS, 1);
        int taken = Math.min(n, Math.max(0, max - before));
        if (taken > 0) {
            c.add(DeferCounters.DEFERRED, taken);
            if (batched) {
                c.add(DeferCounters.HANDOVERS, 1);
            }
        }
        if (taken > 0) { // first: what is on the list must get its kick and wake even if a free below throws
            int half = max >> 1;
            if (before <= half && before + taken > half) { // one push: before == half, as the kernel has it
                kick(self, target);
            }
            if (before == 0) {
                wakeOwner(self, target);
            }
        }
        if (rest != null) {
            c.add(LOCAL_FULL, n - taken);
            freeChain(rest);
        }
    }

    /** Under t's lock: splices as much of the chain as fits; returns the rest (null if all fit). */
    private static Deferrable spliceLocked(SoftnetData t, Deferrable head, Deferrable tail, int n, int max, int before) {
        int room = max - before;
        if (room <= 0) {
            return head;
        }
        Deferrable rest = null;
        if (room < n) {
            Deferrable cut = head;
            for (int i = 1; i < room; i++) {
                cut = cut.next;
            }
            rest = cut.next;
            tail = cut;
            n = room;
        }
        tail.next = t.deferListOnce();
        t.setDeferListOnce(head); // WRITE_ONCE: the owner's lockless hint reads it
        t.setDeferCountOnce(before + n); // WRITE_ONCE: producers' lockless full check reads it
        return rest;
    }

    @Override
    int flushOn(int cpu) {
        int handed = 0;
        try {
            handed = batched ? handOverAll(cpu) : 0;
        } finally { // the CPU's own list is flushed even if a hand-over's local free threw
            handed += flushOwn(cpu);
        }
        return handed;
    }

    private int flushOwn(int cpu) {
        SoftnetData sd = softnet[cpu];
        if (sd.deferListOnce() == null) { // lockless hint: READ_ONCE(sd->defer_list)
            return 0;
        }
        Deferrable list;
        int n; // the count, exact under the lock: no walk of the chain (each node a cache miss) to count it
        DeferLock lock = sd.lock;
        if (lock == null) {
            synchronized (sd) { // LockKind.SYNCHRONIZED (jcstress DeferPushFlush.PushVsFlushSynchronized)
                n = sd.deferCountOnce();
                list = takeAllLocked(sd);
            }
        } else {
            boolean contended = lock.lock(cpu);
            try {
                n = sd.deferCountOnce();
                list = takeAllLocked(sd);
            } finally {
                lock.unlock(cpu);
            }
            if (contended) {
                counters[cpu].add(DeferCounters.LOCKS_CONTENDED, 1);
            }
        }
        counters[cpu].add(DeferCounters.LOCKS, 1);
        flushChain(cpu, list, n);
        return n;
    }

    private static Deferrable takeAllLocked(SoftnetData sd) {
        Deferrable list = sd.deferListOnce();
        sd.setDeferListOnce(null);
        sd.setDeferCountOnce(0);
        return list;
    }

    /**
     * BATCHED: hands every non-empty outgoing batch of {@code cpu} over. The pending targets are popped
     * one by one, so a hand-over that throws leaves the rest listed for the next call, and a target a
     * reclaimer lists again meanwhile is handed over in this same loop.
     */
    private int handOverAll(int cpu) {
        SoftnetData.Outgoing out = softnet[cpu].outgoing;
        if (out == null) { // never deferred
            return 0;
        }
        int handed = 0;
        while (out.pendingCount > 0) {
            int target = out.pendingTargets[--out.pendingCount];
            SoftnetData.Batch b = out.batches[target];
            b.pending = false;
            if (b.count > 0) {
                handed += b.count;
                handOver(cpu, target, b);
            }
        }
        return handed;
    }

    @Override
    public int queued(int cpu) {
        homes.check(cpu);
        return softnet[cpu].deferCountOnce();
    }
}
