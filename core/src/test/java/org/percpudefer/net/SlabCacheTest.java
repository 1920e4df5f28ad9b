package org.percpudefer.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;

import org.junit.jupiter.api.Test;

class SlabCacheTest {

    @Test
    void freedOnOneCpu_allocatedOnAnother_goesThroughTheDepot() {
        SlabCache<Object> slab = new SlabCache<>(2, 8, Object::new);
        List<Object> objs = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            objs.add(slab.alloc(0));
        }
        assertThat(slab.created()).isEqualTo(32);
        long locksBefore = slab.depotLocks();
        objs.forEach(o -> slab.free(1, o)); // the wrong CPU: its magazine spills to the depot

        IdentityHashMap<Object, Boolean> again = new IdentityHashMap<>();
        for (int i = 0; i < 24; i++) {
            again.put(slab.alloc(0), true); // refilled from the depot, no new objects
        }

        assertThat(slab.created()).isEqualTo(32);
        assertThat(again).hasSize(24);
        assertThat(objs).containsAll(again.keySet());
        assertThat(slab.depotLocks()).isGreaterThan(locksBefore);
    }

    @Test
    void freedAndAllocatedOnTheSameCpu_neverTakesTheDepotLock() {
        SlabCache<Object> slab = new SlabCache<>(1, 8, Object::new);
        Object o = slab.alloc(0);
        long locks = slab.depotLocks();
        for (int i = 0; i < 1000; i++) {
            slab.free(0, o);
            o = slab.alloc(0);
        }
        assertThat(slab.depotLocks()).isEqualTo(locks);
    }

    @Test
    void otherThreads_useTheDepot() {
        SlabCache<Object> slab = new SlabCache<>(1, 8, Object::new);
        Object o = new Object();
        slab.free(-1, o);
        assertThat(slab.alloc(-1)).isSameAs(o);
    }

    @Test
    void badMagazine_isRejected() {
        assertThatThrownBy(() -> new SlabCache<>(1, 1, Object::new))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("magazine 1 is out of range (allowed: 2..1048576)");
    }
}
