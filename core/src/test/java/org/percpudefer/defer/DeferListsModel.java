package org.percpudefer.defer;

import static org.percpudefer.defer.DeferLists.DEFERRED;
import static org.percpudefer.defer.DeferLists.LOCAL_DISABLED;
import static org.percpudefer.defer.DeferLists.LOCAL_FULL;
import static org.percpudefer.defer.DeferLists.LOCAL_OFFLINE;
import static org.percpudefer.defer.DeferLists.LOCAL_OWN;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntUnaryOperator;

/**
 * A sequential model of {@link DeferLists}: plain lists of object ids, one thread, no memory ordering, so
 * that what the shipping lists do when one thread plays every CPU in turn can be compared with it step
 * by step. Written from the contract in {@link DeferLists}' javadoc and the variants' notes:
 * <ul>
 *   <li>{@code NONE}: every object freed on the calling CPU, {@code LOCAL_DISABLED}; nothing is ever queued.</li>
 *   <li>{@code PER_SOCKET}: onto the calling CPU's own list, whatever CPU allocated the object;
 *       {@code LOCAL_DISABLED} when {@code deferMax} is 0, {@code LOCAL_FULL} when the list holds
 *       {@code deferMax}. No kick, no wake.</li>
 *   <li>The others, in this order: {@code LOCAL_OWN} (allocated here), {@code LOCAL_OFFLINE} (allocating
 *       CPU out of range or offline), {@code LOCAL_DISABLED} ({@code deferMax} 0), {@code LOCAL_FULL}
 *       (the target list holds {@code deferMax}), else {@code DEFERRED} onto the allocating CPU's list
 *       ({@code PER_NODE}: its list for the calling CPU's node, each such list bounded by itself).
 *       The push that finds {@code deferMax >> 1} waiting kicks (an IPI if none is in flight to that CPU);
 *       the push onto an empty list wakes its owner.</li>
 *   <li>{@code BATCHED}: the same checks, but the object joins the caller's batch towards its CPU; a batch
 *       of {@code max(1, min(16, deferMax >> 2))} is handed over at once, the others when the producer
 *       flushes. A hand-over to an offline CPU frees the batch locally ({@code LOCAL_OFFLINE}), with
 *       {@code deferMax} 0 too ({@code LOCAL_DISABLED}); otherwise as much as fits goes onto the list and the
 *       rest is freed locally ({@code LOCAL_FULL}). The kick is the hand-over that takes the count past
 *       {@code deferMax >> 1}.</li>
 *   <li>A flush hands the CPU's batches over (BATCHED), then frees everything on its own list(s), and
 *       returns how many objects it moved or freed.</li>
 * </ul>
 * Orders follow the code where the pool can see them (the pool's caches are stacks, so the order objects
 * come home in decides which one an acquire returns): a list and a batch are newest first, a splice puts
 * the newest of a batch on the list and frees the oldest, and a producer hands its batches over in the
 * reverse of the order they started in (a stack of pending targets).
 *
 * <p>Not modelled: lock acquisitions (contention is compared: always 0 with one thread). Overshoots, pushes
 * that left a lock-free list above {@code deferMax}, are always 0 here: one push at a time cannot race
 * past the check. (The lists also counted a flush that took more than a lowered {@code deferMax} until
 * these properties showed it disagreeing with {@link DeferStats}'s contract.)
 */
final class DeferListsModel {

    private final DeferVariant variant;
    private final int cpus;
    private final IntUnaryOperator nodeOf;
    int deferMax = DeferLists.DEFAULT_DEFER_MAX;
    final boolean[] online;
    /** A kick IPI in flight to the CPU (its {@code ipiScheduled}). */
    final boolean[] ipiScheduled;
    /** Kick IPIs sent to each CPU (the pool's kick callbacks). */
    final int[] ipisTo;
    /** waiting.get(cpu).get(node): the ids on that list, newest first. */
    private final List<List<List<Integer>>> waiting = new ArrayList<>();
    /** BATCHED: batch.get(producer).get(target), newest first. */
    private final List<List<List<Integer>>> batches = new ArrayList<>();
    /** BATCHED: each producer's targets with a batch started since its last flush, a stack. */
    private final List<List<Integer>> pending = new ArrayList<>();
    private final long[][] counters;

    /**
     * @param variant the variant
     * @param cpus    how many CPUs (or pool owners)
     * @param nodes   lists per CPU: the machine's node count for {@code PER_NODE}, else ignored
     * @param nodeOf  a CPU's node
     */
    DeferListsModel(DeferVariant variant, int cpus, int nodes, IntUnaryOperator nodeOf) {
        this.variant = variant;
        this.cpus = cpus;
        this.nodeOf = variant == DeferVariant.PER_NODE ? nodeOf : cpu -> 0;
        int lists = variant == DeferVariant.PER_NODE ? nodes : 1;
        this.online = new boolean[cpus];
        java.util.Arrays.fill(online, true);
        this.ipiScheduled = new boolean[cpus];
        this.ipisTo = new int[cpus];
        this.counters = new long[cpus][16];
        for (int c = 0; c < cpus; c++) {
            List<List<Integer>> own = new ArrayList<>();
            for (int n = 0; n < lists; n++) {
                own.add(new ArrayList<>());
            }
            waiting.add(own);
            List<List<Integer>> out = new ArrayList<>();
            for (int t = 0; t < cpus; t++) {
                out.add(new ArrayList<>());
            }
            batches.add(out);
            pending.add(new ArrayList<>());
        }
    }

    /** {@code defer(self, obj)}: the return value; appends what it freed (on {@code self}) to {@code freed}. */
    int defer(int self, int id, int allocCpu, List<Integer> freed) {
        int max = deferMax;
        if (variant == DeferVariant.NONE) {
            return freeHere(self, id, LOCAL_DISABLED, freed);
        }
        if (variant == DeferVariant.PER_SOCKET) {
            List<Integer> socket = waiting.get(self).get(0);
            if (max == 0) {
                return freeHere(self, id, LOCAL_DISABLED, freed);
            }
            if (socket.size() >= max) {
                return freeHere(self, id, LOCAL_FULL, freed);
            }
            socket.add(0, id);
            count(self, DeferCounters.DEFERRED, 1);
            return DEFERRED;
        }
        int target = allocCpu;
        if (target == self) {
            return freeHere(self, id, LOCAL_OWN, freed);
        }
        if (target < 0 || target >= cpus || !online[target]) {
            return freeHere(self, id, LOCAL_OFFLINE, freed);
        }
        if (max == 0) {
            return freeHere(self, id, LOCAL_DISABLED, freed);
        }
        int node = nodeOf.applyAsInt(self);
        if (waiting.get(target).get(node).size() >= max) {
            return freeHere(self, id, LOCAL_FULL, freed);
        }
        if (variant == DeferVariant.BATCHED) {
            List<Integer> batch = batches.get(self).get(target);
            if (!pending.get(self).contains(target)) {
                pending.get(self).add(target);
            }
            batch.add(0, id);
            if (batch.size() >= LockedLists.batchSize(max)) {
                handOver(self, target, freed);
            }
            return DEFERRED;
        }
        push(self, target, node, List.of(id), freed);
        return DEFERRED;
    }

    /** {@code flushOn(cpu)}: the return value; appends what it freed to {@code freed}. */
    int flush(int cpu, List<Integer> freed) {
        if (variant == DeferVariant.NONE) {
            return 0;
        }
        int n = 0;
        if (variant == DeferVariant.BATCHED) {
            List<Integer> targets = pending.get(cpu);
            while (!targets.isEmpty()) {
                int target = targets.remove(targets.size() - 1);
                int size = batches.get(cpu).get(target).size();
                if (size > 0) {
                    n += size;
                    handOver(cpu, target, freed);
                }
            }
        }
        for (List<Integer> list : waiting.get(cpu)) {
            if (!list.isEmpty()) {
                int len = list.size();
                count(cpu, DeferCounters.FLUSHED, len);
                count(cpu, DeferCounters.FLUSHES, 1);
                counters[cpu][DeferCounters.MAX_LENGTH] = Math.max(counters[cpu][DeferCounters.MAX_LENGTH], len);
                freed.addAll(list);
                list.clear();
                n += len;
            }
        }
        return n;
    }

    /** The kick IPI's handler ran on {@code cpu}: the next kick may send again. */
    void ipiHandled(int cpu) {
        ipiScheduled[cpu] = false;
        count(cpu, DeferCounters.IPIS_RECEIVED, 1);
    }

    /** {@code drain()}: flushes every CPU in turn until a pass moves nothing. */
    int drain(List<Integer> freed) {
        int n = 0;
        int pass;
        do {
            pass = 0;
            for (int cpu = 0; cpu < cpus; cpu++) {
                pass += flush(cpu, freed);
            }
            n += pass;
        } while (pass > 0);
        return n;
    }

    /** @return {@code queued(cpu)}: what waits on that CPU's list(s), batches towards it not included */
    int queued(int cpu) {
        int n = 0;
        for (List<Integer> list : waiting.get(cpu)) {
            n += list.size();
        }
        return n;
    }

    /** @return every object on a list or in a batch */
    int inFlight() {
        int n = 0;
        for (int cpu = 0; cpu < cpus; cpu++) {
            n += queued(cpu);
            for (List<Integer> batch : batches.get(cpu)) {
                n += batch.size();
            }
        }
        return n;
    }

    /** @return the counters the model keeps, as {@link DeferStats} (locks and overshoots 0) */
    DeferStats stats(int cpu) {
        long[] c = counters[cpu];
        return new DeferStats(cpu, c[DeferCounters.DEFERRED], c[DeferCounters.LOCAL_OWN], c[DeferCounters.LOCAL_OFFLINE],
                c[DeferCounters.LOCAL_FULL], c[DeferCounters.LOCAL_DISABLED], c[DeferCounters.FLUSHED],
                c[DeferCounters.FLUSHES], c[DeferCounters.HANDOVERS], c[DeferCounters.KICKS], c[DeferCounters.IPIS_SENT],
                c[DeferCounters.IPIS_RECEIVED], 0, 0, c[DeferCounters.WAKEUPS], 0, c[DeferCounters.MAX_LENGTH]);
    }

    /** @return {@code actual} with the counters the model does not keep set as the model has them */
    static DeferStats comparable(DeferStats a) {
        return new DeferStats(a.cpu(), a.deferred(), a.localOwn(), a.localOffline(), a.localFull(), a.localDisabled(),
                a.flushed(), a.flushes(), a.handovers(), a.kicks(), a.ipisSent(), a.ipisReceived(), 0,
                a.locksContended(), a.wakeups(), 0, a.maxLength());
    }

    /** A batch goes to its target: freed here if the target is offline or deferral is off, else spliced. */
    private void handOver(int self, int target, List<Integer> freed) {
        List<Integer> batch = new ArrayList<>(batches.get(self).get(target));
        batches.get(self).get(target).clear();
        if (!online[target]) {
            count(self, LOCAL_OFFLINE, batch.size());
            freed.addAll(batch);
        } else if (deferMax == 0) {
            count(self, LOCAL_DISABLED, batch.size());
            freed.addAll(batch);
        } else {
            push(self, target, 0, batch, freed);
        }
    }

    /** Puts as much of {@code chain} (newest first) as fits on the list; frees the rest here, LOCAL_FULL. */
    private void push(int self, int target, int node, List<Integer> chain, List<Integer> freed) {
        List<Integer> list = waiting.get(target).get(node);
        int before = list.size();
        int taken = Math.min(chain.size(), Math.max(0, deferMax - before));
        list.addAll(0, chain.subList(0, taken));
        if (taken > 0) {
            count(self, DeferCounters.DEFERRED, taken);
            if (variant == DeferVariant.BATCHED) {
                count(self, DeferCounters.HANDOVERS, 1);
            }
            int half = deferMax >> 1;
            if (before <= half && before + taken > half) {
                kick(self, target);
            }
            if (before == 0) {
                count(self, DeferCounters.WAKEUPS, 1);
            }
        }
        List<Integer> rest = chain.subList(taken, chain.size());
        count(self, LOCAL_FULL, rest.size());
        freed.addAll(rest);
    }

    private void kick(int self, int target) {
        count(self, DeferCounters.KICKS, 1);
        if (!ipiScheduled[target] && online[target]) {
            ipiScheduled[target] = true;
            ipisTo[target]++;
            count(self, DeferCounters.IPIS_SENT, 1);
        }
    }

    private int freeHere(int self, int id, int reason, List<Integer> freed) {
        count(self, reason, 1);
        freed.add(id);
        return reason;
    }

    private void count(int cpu, int counter, long n) {
        counters[cpu][counter] += n;
    }
}
