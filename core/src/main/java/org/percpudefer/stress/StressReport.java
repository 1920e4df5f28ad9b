package org.percpudefer.stress;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.percpudefer.defer.DeferStats;
import org.percpudefer.defer.Ledger;

/**
 * What a stress run measured and proved. It passed when {@link #problems()} is empty: every object allocated
 * was freed exactly once (the CPUs' counts, the census of the slabs and, in the accounting mode, the ledger
 * agree), no payload was found reused while in use, no fault other than the injected ones happened, nothing
 * was left on a list for the final drain, and every list stayed within its bound.
 *
 * @param config          the set-up
 * @param allocated       allocations made
 * @param freed           objects given back to a slab (the reclaimer's calls)
 * @param created         distinct objects made (the population; the rest of the allocations recycled them)
 * @param census          objects found back in the slabs (and queues) at the end
 * @param elapsedNanos    wall time from the first task hosted to the last object home
 * @param byTime          whether it stopped on {@link StressConfig#seconds()} before {@link StressConfig#objects()}
 * @param phases          random phases (roles, {@code deferMax}, hotplug)
 * @param hotplugs        CPUs taken offline or brought online
 * @param faultsSurvived  injected task faults that fired (their CPU went on; their task was re-hosted)
 * @param maxDeferMax     the largest {@code deferMax} set during the run
 * @param lengthBound     the bound every list must keep: {@code maxDeferMax}, plus one object per other
 *                        CPU for the lock-free lists (the documented overshoot)
 * @param maxLength       the longest each CPU's list got
 * @param totals          the defer counters summed over CPUs
 * @param maxWaitNanos    the longest an object waited on a list (or in a batch) before it was freed; an
 *                        owner busy with other work flushes at {@code deferMax / 2} (the kick) or when
 *                        it next polls or idles, so this is bounded by count, as in the kernel, not time
 * @param p999WaitNanos   the 99.9th percentile of that wait
 * @param waits           objects that waited on a list
 * @param maxIdleHoldNanos the longest an idle owner held an object before freeing it: from the owner's
 *                        task going idle (or the push, if later) to the free; the kernel's leak on idle
 *                        CPUs, which the flush before parking bounds
 * @param p999IdleHoldNanos the 99.9th percentile of that hold
 * @param idleHolds       objects freed by an owner whose task was idle
 * @param audit           the ledger's audit, or {@code null} without accounting
 * @param problems        what went wrong, one line each; empty when the run passed
 */
public record StressReport(StressConfig config, long allocated, long freed, long created, long census,
        long elapsedNanos, boolean byTime, int phases, int hotplugs, int faultsSurvived, int maxDeferMax,
        long lengthBound, long[] maxLength, DeferStats totals, long maxWaitNanos, long p999WaitNanos, long waits,
        long maxIdleHoldNanos, long p999IdleHoldNanos, long idleHolds, Ledger.Report audit, List<String> problems) {

    /** @return whether nothing went wrong */
    public boolean passed() {
        return problems.isEmpty();
    }

    /** @return the report as lines for a terminal */
    public List<String> lines() {
        List<String> out = new ArrayList<>();
        String name = config.variant() + (config.variant().locked() ? "/" + config.lock() : "");
        double seconds = elapsedNanos / 1e9;
        out.add(String.format(Locale.ROOT, "%s: %s  %,d objects in %.1f s (%.2f M/s)%s, %d CPUs, seed %d, accounting %s",
                name, passed() ? "PASS" : "FAIL", allocated, seconds, allocated / seconds / 1e6,
                byTime ? ", stopped by the time limit" : "", config.cpus(), config.seed(), config.accounting() ? "on" : "off"));
        out.add(String.format(Locale.ROOT, "  conservation: allocated %,d, freed %,d, lost %,d; census: %,d objects made, %,d back in the slabs",
                allocated, freed, allocated - freed, created, census));
        if (audit != null) {
            out.add("  ledger: " + audit);
        }
        out.add(String.format(Locale.ROOT, "  chaos: %,d phases, %,d hotplug moves, deferMax 0..%d, %d injected task fault(s) survived",
                phases, hotplugs, maxDeferMax, faultsSurvived));
        out.add("  longest list per cpu: " + Arrays.toString(maxLength) + " (bound " + lengthBound + "), overshoots "
                + totals.overshoots());
        out.add(String.format(Locale.ROOT, "  wait on a list: max %s, p99.9 %s over %,d objects; held by an idle owner: max %s, p99.9 %s over %,d",
                millis(maxWaitNanos), millis(p999WaitNanos), waits, millis(maxIdleHoldNanos), millis(p999IdleHoldNanos), idleHolds));
        out.add(String.format(Locale.ROOT, "  kicks %,d, IPIs sent %,d (%.2f per kick); deferred %,d, local: own %,d, offline %,d, full %,d, disabled %,d",
                totals.kicks(), totals.ipisSent(), totals.kicks() == 0 ? 0.0 : (double) totals.ipisSent() / totals.kicks(),
                totals.deferred(), totals.localOwn(), totals.localOffline(), totals.localFull(), totals.localDisabled()));
        for (String p : problems) {
            out.add("  PROBLEM: " + p);
        }
        return out;
    }

    private static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.3f ms", nanos / 1e6);
    }
}
