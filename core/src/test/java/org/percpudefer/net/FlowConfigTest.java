package org.percpudefer.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.percpudefer.defer.DeferVariant;
import org.percpudefer.defer.LockKind;

class FlowConfigTest {

    @Test
    void theDefaults_areTheSeeds() {
        FlowConfig c = FlowConfig.defaults();

        assertThat(c.cpus()).isEqualTo(2);
        assertThat(c.readerCpu()).isNotEqualTo(c.nicCpu());
        assertThat(c.fragsPerSkb()).isEqualTo(16);
        assertThat(c.rcvbuf()).isEqualTo(16L << 20);
        assertThat(c.variant()).isEqualTo(DeferVariant.PER_CPU_LOCKED);
        assertThat(c.dma()).isEqualTo(Dma.HEADERS);
        assertThat((long) c.zonePages() * PageAllocator.PAGE_SIZE).isGreaterThanOrEqualTo(4 * c.rcvbuf());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "0 | 0 | 0 | 65536  | 16777216 | 256 | 64 | cpus 0 is out of range (allowed: 1..1024)",
        "2 | 2 | 1 | 65536  | 16777216 | 256 | 64 | NIC cpu 2 is out of range (allowed: 0..1)",
        "2 | 0 | 5 | 65536  | 16777216 | 256 | 64 | reader cpu 5 is out of range (allowed: 0..1)",
        "2 | 0 | 1 | 6000   | 16777216 | 256 | 64 | GRO size 6000 is not a whole number of 4096-byte fragments (allowed: multiples of 4096)",
        "2 | 0 | 1 | 0      | 16777216 | 256 | 64 | GRO size 0 is out of range (allowed: 4096..524288)",
        "2 | 0 | 1 | 65536  | 100      | 256 | 64 | rcvbuf 100 is out of range (allowed: 4096..268435456)",
        "2 | 0 | 1 | 65536  | 16777216 | -1  | 64 | page pool size -1 is out of range (allowed: 0..1048576)",
        "2 | 0 | 1 | 65536  | 16777216 | 256 | -1 | defer max -1 is out of range (allowed: 0..1048576)",
    })
    void aBadValue_isNamedWithItsRange(int cpus, int nic, int reader, int gro, long rcvbuf, int pool, int deferMax,
            String message) {
        assertThatThrownBy(() -> new FlowConfig(cpus, nic, reader, gro, rcvbuf, pool, deferMax,
                DeferVariant.NONE, LockKind.TTAS, false, Dma.HEADERS))
                .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }
}
