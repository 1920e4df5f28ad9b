package org.percpudefer.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

class PageAllocatorTest {

    @Test
    void aFreshZone_isOneBlockPerAlignedPowerOfTwo() {
        PageAllocator z = new PageAllocator(1, 1024 + 512 + 3, 8, 4);

        assertThat(z.freeBlocks(10)).isEqualTo(1);
        assertThat(z.freeBlocks(9)).isEqualTo(1);
        assertThat(z.freeBlocks(1)).isEqualTo(1);
        assertThat(z.freeBlocks(0)).isEqualTo(1);
        assertThat(z.zoneFree()).isEqualTo(1539);
        z.checkZone();
    }

    @Test
    void theFirstAlloc_splitsTheSmallestBlockDownToOnePage_andFreeingMergesItBack() {
        PageAllocator z = new PageAllocator(1, 1024, 1, 1); // high = batch = 1: almost every free reaches the zone

        List<Integer> held = new ArrayList<>();
        held.add(z.alloc(0));
        assertThat(z.stats().splits()).isEqualTo(10); // order 10 -> 9 -> ... -> 0
        for (int order = 0; order < 10; order++) {
            assertThat(z.freeBlocks(order)).as("order %d", order).isEqualTo(1);
        }
        for (int i = 0; i < 15; i++) {
            held.add(z.alloc(0));
        }
        held.forEach(pfn -> z.free(0, pfn));

        assertThat(z.stats().merges()).isPositive();
        assertThat(z.pcpCount(0)).isEqualTo(1);
        assertThat(z.zoneFree()).isEqualTo(1023);
        assertThat(z.freeBlocks(10)).isZero();
        assertThat(z.freePages()).isEqualTo(1024);
        z.checkZone();
    }

    @Test
    void aCpuList_refillsABatch_andSpillsABatchAtItsHighWatermark() {
        PageAllocator z = new PageAllocator(2, 4096, 8, 4);

        int p = z.alloc(0);
        assertThat(z.stats().refills()).isEqualTo(1);
        assertThat(z.pcpCount(0)).isEqualTo(3); // a batch of 4, one handed out
        z.free(0, p);

        List<Integer> held = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            held.add(z.alloc(1));
        }
        for (int pfn : held) {
            z.free(0, pfn); // freed on the other CPU: its list fills
        }
        assertThat(z.stats().spills()).isEqualTo(1); // at 8 (high), 4 (batch) went to the zone
        assertThat(z.pcpCount(0)).isEqualTo(8);
        assertThat(z.freePages()).isEqualTo(4096);
        z.checkZone();
    }

    @Test
    void randomAllocAndFree_onTwoCpus_conservesEveryPage_andEndsFullyMerged() {
        PageAllocator z = new PageAllocator(2, 2048, 16, 5);
        Random rnd = new Random(42);
        List<Integer> held = new ArrayList<>();
        Set<Integer> unique = new HashSet<>();
        for (int i = 0; i < 200_000; i++) {
            if (held.isEmpty() || (held.size() < 1500 && rnd.nextBoolean())) {
                int pfn = z.alloc(rnd.nextInt(2));
                assertThat(pfn).isNotNegative();
                assertThat(unique.add(pfn)).as("page %d handed out twice", pfn).isTrue();
                held.add(pfn);
            } else {
                int pfn = held.remove(rnd.nextInt(held.size()));
                unique.remove(pfn);
                z.free(rnd.nextInt(2), pfn);
            }
            assertThat(z.freePages() + held.size()).isEqualTo(2048);
        }
        z.checkZone();
        held.forEach(pfn -> z.free(0, pfn));
        assertThat(z.freePages()).isEqualTo(2048);
    }

    @Test
    void anEmptyZone_failsTheAlloc_withoutLosingAnything() {
        PageAllocator z = new PageAllocator(1, 4, 4, 2);
        for (int i = 0; i < 4; i++) {
            assertThat(z.alloc(0)).isNotNegative();
        }
        assertThat(z.alloc(0)).isEqualTo(-1);
        assertThat(z.stats().failures()).isEqualTo(1);
    }

    @Test
    void aDoubleFree_ofAPageHeadingAFreeBlock_isCaught() {
        PageAllocator z = new PageAllocator(1, 4, 1, 1);
        int p = z.alloc(0);
        z.free(0, p); // on the list
        z.free(0, z.alloc(0)); // p again
        int q = z.alloc(0);
        z.free(0, q);
        z.free(0, z.alloc(0));
        // spill it to the zone, then free it again through a spill
        int r = z.alloc(0);
        z.free(0, r);
        int extra = z.alloc(0);
        assertThat(extra).isEqualTo(r);
        z.free(0, extra);
        assertThatThrownBy(() -> {
            z.free(0, extra); // the list is at high: this spills extra (already on the list) to the zone ...
            z.free(0, extra); // ... and this spills it again
        }).isInstanceOf(IllegalStateException.class).hasMessageContaining("page " + extra + " freed twice");
    }

    @Test
    void badArguments_nameTheValue() {
        assertThatThrownBy(() -> new PageAllocator(1, 0, 8, 4)).hasMessageContaining("zone of 0 pages");
        assertThatThrownBy(() -> new PageAllocator(1, 16, 2, 4)).hasMessageContaining("pcp high 2");
        assertThatThrownBy(() -> new PageAllocator(1, 16, 8, 0)).hasMessageContaining("pcp batch 0");
        assertThatThrownBy(() -> new PageAllocator(1, 16, 8, 4).free(0, 16)).hasMessageContaining("page 16 is not in this zone");
    }
}
