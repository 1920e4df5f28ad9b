package org.percpudefer.defer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openjdk.jol.info.ClassLayout;
import org.openjdk.jol.info.FieldLayout;

/**
 * The per-CPU defer state is padded so that no other object's bytes share a cache line with its hot
 * fields: checked on the layout this JVM really uses, not trusted.
 */
class LayoutTest {

    /** Two 64-byte lines: adjacent-line prefetch pulls lines in pairs on x86. */
    private static final long GUARD = 128;

    @ParameterizedTest
    @ValueSource(classes = {SoftnetData.class, DeferNode.class})
    void hotFields_haveTwoCacheLinesOfPaddingOnEachSide(Class<?> type) {
        Set<String> hot = type == SoftnetData.class
                ? Set.of("deferList", "deferCount", "ipiScheduled", "lock", "deferCsd")
                : Set.of("list", "count");
        ClassLayout layout = ClassLayout.parseClass(type);
        long size = layout.instanceSize();
        for (FieldLayout f : layout.fields()) {
            if (hot.contains(f.name())) {
                assertThat(f.offset()).as(f.name() + " after the leading padding").isGreaterThanOrEqualTo(GUARD);
                assertThat(size - (f.offset() + f.size())).as(f.name() + " before the trailing padding")
                        .isGreaterThanOrEqualTo(GUARD);
            }
        }
    }
}
