package org.percpudefer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The {@code stress} command, run briefly: it prints progress and each variant's proof, and exits 0. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StressCommandTest {

    @Test
    void aShortStress_ofTwoVariants_passesAndSaysWhy() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "stress", "--objects", "30000",
                "--variants", "per_cpu_llist,BATCHED", "--cpus", "3", "--seed", "5", "--no-pin");

        assertThat(status).as(out + "\n" + err).isZero();
        assertThat(out.toString())
                .contains("percpu-defer stress: [PER_CPU_LLIST, BATCHED], 30,000 objects each, 3 CPUs, lock TTAS, seed 5, accounting on, faults on")
                .contains("PER_CPU_LLIST: PASS  30,000 objects").contains("BATCHED/TTAS: PASS  30,000 objects")
                .contains("conservation: allocated 30,000, freed 30,000, lost 0")
                .contains("ledger: allocations 30000 = frees 30000 + live 0")
                .contains("longest list per cpu: ").contains("held by an idle owner: max ").contains("per kick")
                .contains("PASS: 60,000 objects across 2 variant(s), 0 failed")
                .doesNotContain("PROBLEM");
    }
}
