package org.percpudefer.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.percpudefer.cpu.Activity;
import org.percpudefer.cpu.Sampler;
import org.percpudefer.defer.DeferVariant;
import org.percpudefer.net.Flow;

/** One variant's runs in {@code compare}: throughputs, the reader's summed profile, summed counters. */
final class Result {

    /** Counter name (as in the JSON) to its label in the table, shown per 1000 skbs read. */
    static final Map<String, String> COUNTERS = new LinkedHashMap<>();

    static {
        COUNTERS.put("deferred", "deferred (put on a defer list)");
        COUNTERS.put("localFull", "freed here: defer list full");
        COUNTERS.put("localOwn", "freed here: allocated here");
        COUNTERS.put("localDisabled", "freed here: deferral off");
        COUNTERS.put("kicks", "kicks (defer list half full)");
        COUNTERS.put("ipisSent", "kick IPIs sent");
        COUNTERS.put("flushes", "defer list flushes");
        COUNTERS.put("deferLocksContended", "defer lock contended");
        COUNTERS.put("zoneLocks", "zone lock taken");
        COUNTERS.put("zoneLocksContended", "zone lock contended");
        COUNTERS.put("buddySplits", "buddy splits");
        COUNTERS.put("buddyMerges", "buddy merges");
        COUNTERS.put("slabDepotLocks", "slab depot lock taken");
        COUNTERS.put("slabDepotContended", "slab depot lock contended");
        COUNTERS.put("pagesRecycled", "pages recycled by the page pool");
        COUNTERS.put("pagePoolMisses", "pages from the page allocator");
        COUNTERS.put("windowClosed", "NAPI polls stopped by rcvbuf");
    }

    final DeferVariant variant;
    final List<Double> mbits = new ArrayList<>();
    final Map<String, Long> counters = new LinkedHashMap<>();
    private Sampler.Profile profile;
    private int readerCpu;

    Result(DeferVariant variant) {
        this.variant = variant;
    }

    void add(Compare.Measurement m, int reader) {
        mbits.add(m.mbits());
        readerCpu = reader;
        profile = profile == null ? m.profile() : profile.plus(m.profile());
        Flow.Report r = m.report();
        add("skbsRead", r.skbsRead());
        add("bytesCopied", r.bytesCopied());
        add("corrupt", r.corrupt());
        add("deferred", r.defer().deferred());
        add("localFull", r.defer().localFull());
        add("localOwn", r.defer().localOwn());
        add("localDisabled", r.defer().localDisabled());
        add("kicks", r.defer().kicks());
        add("ipisSent", r.defer().ipisSent());
        add("flushes", r.defer().flushes());
        add("deferLocksContended", r.defer().locksContended());
        add("zoneLocks", r.zone().zoneLocks());
        add("zoneLocksContended", r.zone().zoneContended());
        add("buddySplits", r.zone().splits());
        add("buddyMerges", r.zone().merges());
        add("slabDepotLocks", r.depotLocks());
        add("slabDepotContended", r.depotContended());
        add("pagesRecycled", r.pagesRecycled());
        add("pagePoolMisses", r.poolMisses());
        add("windowClosed", r.windowClosed());
        add("outOfMemory", r.outOfMemory());
    }

    private void add(String name, long v) {
        counters.merge(name, v, Long::sum);
    }

    double mean() {
        return mbits.stream().mapToDouble(Double::doubleValue).average().orElse(0);
    }

    double stdev() {
        double m = mean();
        double ss = mbits.stream().mapToDouble(v -> (v - m) * (v - m)).sum();
        return mbits.size() < 2 ? 0 : Math.sqrt(ss / (mbits.size() - 1));
    }

    /** @return this variant's run k over {@code base}'s run k, for every k, sorted (the runs were interleaved) */
    double[] pairedRatios(Result base) {
        double[] r = new double[mbits.size()];
        for (int k = 0; k < r.length; k++) {
            r[k] = mbits.get(k) / base.mbits.get(k);
        }
        java.util.Arrays.sort(r);
        return r;
    }

    double share(Activity a) {
        return profile == null ? 0 : profile.share(readerCpu, a);
    }

    double freePath() {
        return Compare.FREE_PATH.stream().mapToDouble(this::share).sum();
    }

    double per1000(String counter) {
        long skbs = counters.getOrDefault("skbsRead", 0L);
        return skbs == 0 ? 0 : 1000.0 * counters.getOrDefault(counter, 0L) / skbs;
    }
}
