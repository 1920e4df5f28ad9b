package org.percpudefer.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;

import org.assertj.core.data.Offset;

import org.junit.jupiter.api.Test;

class SamplerTest {

    @Test
    void anIdleMachine_isSampledIdle_andTheSharesSumToOne() throws InterruptedException {
        try (Machine m = Machine.boot(MachineConfig.of(2).withPin(false))) {
            while (m.cpu(0).activity() != Activity.IDLE || m.cpu(1).activity() != Activity.IDLE) {
                Thread.sleep(1);
            }
            Sampler sampler = Sampler.start(m, 5_000);
            Sampler.Profile idle;
            do {
                Thread.sleep(5); // until some samples were taken: nothing is asserted about time
                idle = sampler.stop();
            } while (idle.samples(0) == 0 && (sampler = Sampler.start(m, 5_000)) != null);

            Sampler.Profile p = idle;
            assertThat(p.samples(0, Activity.IDLE)).isEqualTo(p.samples(0));
            double sum = Arrays.stream(Activity.values()).mapToDouble(a -> p.share(0, a)).sum();
            assertThat(sum).isCloseTo(1.0, Offset.offset(1e-9));
            assertThat(p.plus(p).samples(1)).isEqualTo(2 * p.samples(1));
            assertThat(sampler.stop()).isSameAs(sampler.stop());
        }
    }

    @Test
    void aCpu_publishesWhatItsTaskEnters_andRestoresIt() throws InterruptedException {
        try (Machine m = Machine.boot(MachineConfig.of(1).withPin(false))) {
            java.util.concurrent.CountDownLatch inside = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch leave = new java.util.concurrent.CountDownLatch(1);
            m.host(0, cpu -> {
                int was = cpu.enter(Activity.COPY_TO_USER);
                inside.countDown();
                try {
                    leave.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                cpu.restore(was);
                return CpuTask.DONE;
            });
            inside.await();
            assertThat(m.cpu(0).activity()).isEqualTo(Activity.COPY_TO_USER);
            leave.countDown();
            while (m.cpu(0).activity() != Activity.IDLE) {
                Thread.sleep(1); // the task ends and the CPU goes idle
            }
        }
    }

    @Test
    void aRateOutOfRange_isNamed() {
        try (Machine m = Machine.detached(MachineConfig.of(1))) {
            assertThatThrownBy(() -> Sampler.start(m, 0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("sampling rate 0 Hz is out of range (allowed: 1..100000)");
            assertThatThrownBy(() -> Sampler.start(m, 100_001)).hasMessageContaining("100001 Hz");
        }
    }
}
