package org.percpudefer.cpu;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every invalid configuration or argument is rejected with an exception that names the value. */
class ValidationTest {

    @ParameterizedTest
    @ValueSource(ints = {0, -1, Integer.MIN_VALUE, MachineConfig.MAX_CPUS + 1})
    void config_cpusOutOfRange_isRejected(int cpus) {
        assertThatThrownBy(() -> MachineConfig.of(cpus))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cpus " + cpus + " is out of range (allowed: 1.." + MachineConfig.MAX_CPUS + ")");
    }

    @ParameterizedTest
    @CsvSource({"2, 0", "2, 3", "4, -1"})
    void config_nodesOutOfRange_isRejected(int cpus, int nodes) {
        assertThatThrownBy(() -> MachineConfig.of(cpus).withNodes(nodes))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("nodes " + nodes + " is out of range (allowed: 1..cpus, and cpus is " + cpus + ")");
    }

    @ParameterizedTest
    @CsvSource({"-1, 0, idleSpins -1", "0, -5, idleYields -5", "1000001, 0, idleSpins 1000001"})
    void config_idleRoundsOutOfRange_areRejected(int spins, int yields, String named) {
        assertThatThrownBy(() -> MachineConfig.of(1).withIdle(spins, yields))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(named + " is out of range (allowed: 0..1000000)");
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 2, 100})
    void machine_cpuOutOfRange_isRejected(int id) {
        Machine machine = Machine.detached(MachineConfig.of(2).withPin(false));
        String expected = "cpu " + id + " is out of range (allowed: 0..1)";
        assertThatThrownBy(() -> machine.cpu(id)).hasMessage(expected);
        assertThatThrownBy(() -> machine.callFunctionSingleAsync(id, new CallSingleData(cpu -> { })))
                .isInstanceOf(IllegalArgumentException.class).hasMessage(expected);
        assertThatThrownBy(() -> machine.host(id, cpu -> 0)).isInstanceOf(IllegalArgumentException.class).hasMessage(expected);
        assertThatThrownBy(() -> machine.offline(id)).isInstanceOf(IllegalArgumentException.class).hasMessage(expected);
        assertThatThrownBy(() -> machine.online(id)).isInstanceOf(IllegalArgumentException.class).hasMessage(expected);
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, Softirq.NR_SOFTIRQS, 31})
    void softirqOutOfRange_isRejected(int nr) {
        Machine machine = Machine.detached(MachineConfig.of(1).withPin(false));
        assertThatThrownBy(() -> machine.openSoftirq(nr, cpu -> { }))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("softirq number " + nr + " is out of range (allowed: 0..9)");
        assertThatThrownBy(() -> machine.cpu(0).raiseSoftirq(nr))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("softirq number " + nr + " is out of range (allowed: 0..9)");
    }

    @org.junit.jupiter.api.Test
    void nulls_areRejected() {
        Machine machine = Machine.detached(MachineConfig.of(1).withPin(false));
        assertThatThrownBy(() -> new CallSingleData(null)).isInstanceOf(NullPointerException.class).hasMessage("func");
        assertThatThrownBy(() -> machine.callFunctionSingleAsync(0, null)).hasMessage("csd");
        assertThatThrownBy(() -> machine.host(0, null)).hasMessage("task");
        assertThatThrownBy(() -> machine.openSoftirq(Softirq.NET_RX, null)).hasMessage("handler");
        assertThatThrownBy(() -> Machine.boot(null)).hasMessage("config");
    }
}
