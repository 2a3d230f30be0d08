import { strict as assert } from "assert";
import { archOf, ec2Families, ec2TypeProblem, instanceShape, rdsClassProblem, rdsSizesOf } from "./instances";

// EC2's own description of instance types, as Karpenter records it from DescribeInstanceTypes
// (aws/karpenter-provider-aws@0252bd13 pkg/fake/zz_generated.describe_instance_types.go:
// ProcessorInfo.SupportedArchitectures, VCpuInfo.DefaultVCpus, MemoryInfo.SizeInMiB).
const DESCRIBED: Array<[string, "arm64" | "x86_64", number, number]> = [
    ["c6g.large", "arm64", 2, 4096],
    ["m5.large", "x86_64", 2, 8192],
    ["m5.xlarge", "x86_64", 4, 16384],
    ["t3.large", "x86_64", 2, 8192],
    ["t4g.medium", "arm64", 2, 4096],
    ["t4g.small", "arm64", 2, 2048],
    ["t4g.xlarge", "arm64", 4, 16384],
];

describe("instance types", () => {
    it("derives CPU architecture from the instance family", () => {
        assert.equal(archOf("m7g.xlarge"), "arm64");
        assert.equal(archOf("t4g.small"), "arm64");
        assert.equal(archOf("m7i.xlarge"), "x86_64");
        assert.equal(archOf("t3a.large"), "x86_64");
        for (const [type, arch] of DESCRIBED) assert.equal(archOf(type), arch, type);
    });

    it("every family the table prices is one letter, a generation digit and attribute letters (what archOf and the size lists read)", () => {
        // EC2's naming: series letter, generation, options (EC2 User Guide, "Amazon EC2 instance type naming conventions").
        for (const f of ec2Families()) assert.match(f, /^[a-z]\d[a-z]*$/, f);
    });

    it("gives the vCPUs and memory EC2 describes (table-driven)", () => {
        for (const [type, , vcpu, mib] of DESCRIBED) assert.deepEqual(instanceShape(type), { vcpu, memoryGiB: mib / 1024 }, type);
        // Graviton .medium: one vCPU, 4 GiB (https://aws.amazon.com/ec2/instance-types/m7g/: m7g.medium 1 vCPU 4 GiB);
        // memory-optimized r: 8 GiB per vCPU (https://aws.amazon.com/ec2/instance-types/r7g/: r7g.large 2 vCPU 16 GiB);
        // compute-optimized c: 2 GiB per vCPU (https://aws.amazon.com/ec2/instance-types/c7i/: c7i.2xlarge 8 vCPU 16 GiB).
        assert.deepEqual(instanceShape("m7g.medium"), { vcpu: 1, memoryGiB: 4 });
        assert.deepEqual(instanceShape("r7g.large"), { vcpu: 2, memoryGiB: 16 });
        assert.deepEqual(instanceShape("c7i.2xlarge"), { vcpu: 8, memoryGiB: 16 });
        // Burstable t: t3.micro 2 vCPU 1 GiB (https://aws.amazon.com/ec2/instance-types/t3/).
        assert.deepEqual(instanceShape("t3.micro"), { vcpu: 2, memoryGiB: 1 });
        // A size the model does not know (m5.metal: 96 vCPUs in the same Karpenter file) is refused, not guessed.
        assert.throws(() => instanceShape("m5.metal"), /^RangeError: unknown instance size in m5\.metal$/);
    });

    it("refuses EC2 types the price table does not know, saying what is allowed (table-driven)", () => {
        const cases: [string, RegExp | undefined][] = [
            ["m7g.large", undefined],
            ["t4g.micro", undefined],
            ["m7g.medium", undefined],
            // Typos around a valid type: spaces, a missing size, an unknown family.
            [" m7g.large", /^an EC2 instance type <family>\.<size>, family one of ([a-z0-9]+, )*m7g(, [a-z0-9]+)+$/],
            ["m7g.large ", /^an EC2 instance type <family>\.<size>/],
            ["m7g", /^an EC2 instance type <family>\.<size>/],
            ["x9.large", /^an EC2 instance type <family>\.<size>/],
            // A size the family does not come in: the family's sizes and the type.
            ["m7g.micro", /^an EC2 instance type m7g\.<size>: m7g comes in medium, large, .*, 16xlarge \(there is no m7g\.micro\)$/],
            ["m5.medium", /^an EC2 instance type m5\.<size>: m5 comes in large, xlarge, .* \(there is no m5\.medium\)$/],
            ["t3.4xlarge", /: t3 comes in micro, small, medium, large, xlarge, 2xlarge \(there is no t3\.4xlarge\)$/],
        ];
        for (const [type, want] of cases) {
            const got = ec2TypeProblem(type);
            if (want) assert.match(got ?? "accepted", want, type);
            else assert.equal(got, undefined, type);
        }
    });

    it("refuses RDS classes the price table does not know; families priced by their .large start at .large (table-driven)", () => {
        const cases: [string, RegExp | undefined][] = [
            ["db.t4g.micro", undefined],
            ["db.m6g.large", undefined],
            ["db.r6g.16xlarge", undefined],
            [" db.t4g.micro", /^an RDS class db\.<family>\.<size>, family one of ([a-z0-9]+, )*t4g(, [a-z0-9]+)+ \(e\.g\. db\.t4g\.micro\)$/],
            ["db.t4g.micro ", /^an RDS class db\.<family>\.<size>/],
            ["t4g.micro", /^an RDS class db\.<family>\.<size>/],
            ["db.x9.large", /^an RDS class db\.<family>\.<size>/],
            [
                "db.t4g.16xlarge",
                /^an RDS class db\.t4g\.<size>: db\.t4g comes in micro, small, medium, large, xlarge, 2xlarge \(there is no db\.t4g\.16xlarge\)$/,
            ],
            // RDS offers db.m6g and db.r6g from .large up (RDS User Guide, "Supported DB engines for DB instance classes").
            ["db.m6g.medium", /^an RDS class db\.m6g\.<size>: db\.m6g comes in large, xlarge, .*16xlarge \(there is no db\.m6g\.medium\)$/],
            ["db.r6g.micro", /there is no db\.r6g\.micro/],
        ];
        for (const [cls, want] of cases) {
            const got = rdsClassProblem(cls);
            if (want) assert.match(got ?? "accepted", want, cls);
            else assert.equal(got, undefined, cls);
        }
        assert.deepEqual(rdsSizesOf("x9"), [], "an unknown family has no sizes");
        assert.equal(rdsSizesOf("m6g")[0], "large");
    });
});
