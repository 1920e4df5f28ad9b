package org.percpudefer.stress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.percpudefer.defer.DeferVariant;
import org.percpudefer.defer.LockKind;

/** Short stress runs: whatever the chaos did, every object came home once and the proof says so. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StressTest {

    @ParameterizedTest
    @EnumSource(DeferVariant.class)
    void aShortRun_ofEveryVariant_losesNothing(DeferVariant variant) {
        StressConfig config = StressConfig.of(variant, 60_000).withPin(false).withSeed(variant.ordinal() + 7);
        AtomicInteger updates = new AtomicInteger();
        StressReport r = Stress.run(config, (freed, target, state) -> updates.incrementAndGet());

        assertThat(r.problems()).isEmpty();
        assertThat(r.passed()).isTrue();
        assertThat(r.allocated()).isEqualTo(60_000);
        assertThat(r.freed()).isEqualTo(60_000);
        assertThat(r.census()).isEqualTo(r.created());
        assertThat(r.audit().conserved()).isTrue();
        assertThat(r.audit().allocations()).isEqualTo(60_000);
        assertThat(r.audit().live()).isZero();
        assertThat(r.phases()).isPositive();
        assertThat(updates.get()).isPositive(); // the final progress line at least
        assertThat(java.util.Arrays.stream(r.maxLength()).max().orElse(0)).isLessThanOrEqualTo(r.lengthBound());
        assertThat(r.lines()).first().asString().startsWith(variant + "").contains("PASS");
    }

    @Test
    void aTimeLimit_stopsTheRun_andItIsStillAccountedFor() {
        StressConfig config = StressConfig.of(DeferVariant.BATCHED, Long.MAX_VALUE).withSeconds(1).withPin(false)
                .withLock(LockKind.MCS).withAccounting(false);
        StressReport r = Stress.run(config, (freed, target, state) -> { });
        assertThat(r.byTime()).isTrue();
        assertThat(r.passed()).as(String.join("\n", r.lines())).isTrue();
        assertThat(r.allocated()).isPositive().isEqualTo(r.freed());
        assertThat(r.audit()).isNull();
    }

    @Test
    void badSetUps_areNamed() {
        assertThatThrownBy(() -> StressConfig.of(DeferVariant.NONE, 1).withCpus(1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cpus 1 is out of range (allowed: 2..");
        assertThatThrownBy(() -> StressConfig.of(DeferVariant.NONE, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("objects 0 is out of range");
        assertThatThrownBy(() -> StressConfig.of(DeferVariant.NONE, 1).withSeconds(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("seconds -1 is out of range");
    }
}
