package org.percpudefer.defer;

import java.util.List;
import java.util.Objects;

/**
 * A snapshot of one CPU's defer counters (or, with {@code cpu == -1}, a sum over CPUs). Each counter
 * belongs to the CPU that did the counted thing: {@code deferred} and the {@code local*} fallbacks to the
 * CPU that freed or deferred, {@code flushed} to the CPU that took its list, {@code ipisSent} to the
 * sender, {@code ipisReceived} to the target.
 *
 * @param cpu            the CPU, or {@code -1} for a total
 * @param deferred       objects put on another CPU's defer list (for {@code BATCHED}: handed over)
 * @param localOwn       local frees because the object was allocated on this CPU
 * @param localOffline   local frees because the allocating CPU is offline or out of range
 * @param localFull      local frees because the target list held {@code deferMax} objects
 * @param localDisabled  local frees because deferral is off ({@code deferMax} 0, or variant {@code NONE})
 * @param flushed        objects this CPU freed from its own defer list(s)
 * @param flushes        flushes that found a non-empty list
 * @param handovers      batches handed over to a target's list ({@code BATCHED} only)
 * @param kicks          pushes that reached {@code deferMax / 2} and asked for a flush
 * @param ipisSent       kick IPIs sent (at most one in flight per target: {@code ipiScheduled})
 * @param ipisReceived   kick IPIs handled: NET_RX raised
 * @param locks          defer-lock acquisitions
 * @param locksContended acquisitions that found the lock held ({@code SYNCHRONIZED} cannot tell: 0)
 * @param wakeups        wakes of a target whose empty list this CPU made non-empty (so an idle CPU flushes)
 * @param overshoots     pushes that left a lock-free list above {@code deferMax} (the documented transient)
 * @param maxLength      the longest this CPU's own list(s) got, as counted at push time
 */
public record DeferStats(int cpu, long deferred, long localOwn, long localOffline, long localFull,
        long localDisabled, long flushed, long flushes, long handovers, long kicks, long ipisSent,
        long ipisReceived, long locks, long locksContended, long wakeups, long overshoots, long maxLength) {

    /** @return local frees of every reason */
    public long local() {
        return localOwn + localOffline + localFull + localDisabled;
    }

    /**
     * @param all per-CPU snapshots; not null
     * @return their sum ({@code maxLength}: their maximum), with {@code cpu == -1}
     */
    public static DeferStats total(List<DeferStats> all) {
        Objects.requireNonNull(all, "all");
        long[] t = new long[16];
        for (DeferStats s : all) {
            long[] v = s.values();
            for (int i = 0; i < v.length; i++) {
                t[i] = i == 15 ? Math.max(t[i], v[i]) : t[i] + v[i];
            }
        }
        return new DeferStats(-1, t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9], t[10], t[11],
                t[12], t[13], t[14], t[15]);
    }

    private long[] values() {
        return new long[] {deferred, localOwn, localOffline, localFull, localDisabled, flushed, flushes,
            handovers, kicks, ipisSent, ipisReceived, locks, locksContended, wakeups, overshoots, maxLength};
    }
}
