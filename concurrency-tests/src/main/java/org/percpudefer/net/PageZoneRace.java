package org.percpudefer.net;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Hazard: a {@link PageAllocator} spill ({@code free_pcppages_bulk}: a CPU whose page list is at its high
 * watermark gives a batch back to the zone, merging buddies) racing a refill ({@code rmqueue_bulk}: a CPU
 * whose list is empty takes a batch from the zone, splitting blocks) corrupts the buddy free lists, loses
 * a page, or hands one out twice. The zone's free lists, block orders and counters are plain, guarded by
 * the zone's {@code SpinLock} (spin_lock: cmpxchg, acquire; spin_unlock: smp_store_release), so the two
 * critical sections run one after the other, each seeing the other's writes (MP+polocks, Never); the
 * per-CPU page lists are plain, each its own CPU's. ({@link PagePool} has no shared structure: its cache is
 * its owner CPU's alone, and what it gives back goes through this allocator.)
 *
 * <p>Set-up (the constructor plays CPU 0, before the actors start): a zone of four pages, high watermark
 * and batch two; CPU 0 allocates all four, so the zone is empty, and frees two of them, so its list is at
 * the watermark. The race: CPU 0 frees a third (a spill of two, then the free); CPU 1 allocates on an
 * empty list (a refill of up to two, or {@code -1} if the zone is empty). The fourth page stays allocated.
 * The arbiter checks the zone ({@link PageAllocator#checkZone()}), takes every free page back out
 * (allocating on each CPU until {@code -1}) and counts each page.
 *
 * <p>Result columns: whether CPU 1 got a page ({@code 1}) or found the zone empty ({@code 0}), pages lost
 * (neither allocated nor free), pages found twice (or {@code -1} if the zone's lists were inconsistent).
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t PageZoneRace}
 */
@JCStressTest
@Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "the refill came first and found the zone empty; nothing lost")
@Outcome(id = "1, 0, 0", expect = ACCEPTABLE, desc = "the spill came first: CPU 1 got a spilled page, nothing lost")
@Outcome(expect = FORBIDDEN,
        desc = "a page lost or handed out twice, or the free lists corrupt: the zone lock did not order spill and refill")
@State
public class PageZoneRace {

    private static final int PAGES = 4;

    private final PageAllocator zone = new PageAllocator(2, PAGES, 2, 2);
    private final int third;
    private final int fourth;
    private int got;

    public PageZoneRace() {
        int[] all = new int[PAGES];
        for (int i = 0; i < PAGES; i++) {
            all[i] = zone.alloc(0);
        }
        zone.free(0, all[0]);
        zone.free(0, all[1]); // CPU 0's list at its high watermark; the zone empty
        third = all[2];
        fourth = all[3];
    }

    @Actor
    public void cpu0() {
        zone.free(0, third);
    }

    @Actor
    public void cpu1() {
        got = zone.alloc(1);
    }

    @Arbiter
    public void arbiter(III_Result r) {
        r.r1 = got >= 0 ? 1 : 0;
        try {
            zone.checkZone();
        } catch (IllegalStateException e) {
            r.r3 = -1;
            return;
        }
        int[] seen = new int[PAGES];
        seen[fourth]++;
        if (got >= 0) {
            seen[got]++;
        }
        for (int cpu = 0; cpu < 2; cpu++) { // after both actors: CPU 0's list, then CPU 1's, each refilling from the zone
            for (int pfn; (pfn = zone.alloc(cpu)) >= 0; ) {
                seen[pfn]++;
            }
        }
        int lost = 0;
        int twice = 0;
        for (int n : seen) {
            lost += n == 0 ? 1 : 0;
            twice += n > 1 ? 1 : 0;
        }
        r.r2 = lost;
        r.r3 = twice;
    }
}
