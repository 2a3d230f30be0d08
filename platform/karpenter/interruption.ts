// Karpenter's interruption queue and the EventBridge rules that feed it, as in the v1.14
// getting-started CloudFormation (KarpenterInterruptionQueue and its five rules).
import { PolicyDocument } from "../../lib/iam";

/** Upstream names the queue after the cluster; settings.interruptionQueue takes that name. */
export function queueName(clusterName: string): string {
    // SQS queue names: up to 80 letters, digits, - and _.
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(clusterName)) {
        throw new Error(`Karpenter interruption queue name: got ${JSON.stringify(clusterName)}; allowed: up to 80 letters, digits, - and _ (SQS queue names)`);
    }
    return clusterName;
}

/** aws.sqs.Queue arguments: messages live 5 minutes (an interruption older than that is moot), SSE-SQS on. */
export function queueArgs(clusterName: string): { name: string; messageRetentionSeconds: number; sqsManagedSseEnabled: true } {
    return { name: queueName(clusterName), messageRetentionSeconds: 300, sqsManagedSseEnabled: true };
}

export interface QueuePolicyDocument extends PolicyDocument {
    Id: string;
}

/** EventBridge (and SQS itself) may send; nothing may use the queue without TLS. */
export function queuePolicy(queueArn: string): QueuePolicyDocument {
    return {
        Version: "2012-10-17",
        Id: "EC2InterruptionPolicy",
        Statement: [
            { Effect: "Allow", Principal: { Service: ["events.amazonaws.com", "sqs.amazonaws.com"] }, Action: "sqs:SendMessage", Resource: queueArn },
            { Sid: "DenyHTTP", Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: queueArn, Condition: { Bool: { "aws:SecureTransport": false } } },
        ],
    };
}

export interface EventPattern {
    source: string[];
    "detail-type": string[];
}

export interface InterruptionRule {
    /** The upstream logical id (ScheduledChangeRule, ...), a stable resource name. */
    name: string;
    description: string;
    eventPattern: EventPattern;
}

export const INTERRUPTION_RULES: readonly InterruptionRule[] = [
    {
        name: "ScheduledChangeRule",
        description: "AWS Health events (scheduled maintenance of instances)",
        eventPattern: { source: ["aws.health"], "detail-type": ["AWS Health Event"] },
    },
    {
        name: "SpotInterruptionRule",
        description: "two-minute spot interruption warnings",
        eventPattern: { source: ["aws.ec2"], "detail-type": ["EC2 Spot Instance Interruption Warning"] },
    },
    {
        name: "RebalanceRule",
        description: "spot rebalance recommendations",
        eventPattern: { source: ["aws.ec2"], "detail-type": ["EC2 Instance Rebalance Recommendation"] },
    },
    {
        name: "InstanceStateChangeRule",
        description: "instances stopping or terminating outside Karpenter",
        eventPattern: { source: ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"] },
    },
    {
        name: "CapacityReservationInterruptionRule",
        description: "interruptible capacity reservations being reclaimed",
        eventPattern: { source: ["aws.ec2"], "detail-type": ["EC2 Capacity Reservation Instance Interruption Warning"] },
    },
];

/** The rules as aws.cloudwatch.EventRule arguments (eventPattern is a JSON string there). */
export function eventRuleArgs(clusterName: string): Array<{ name: string; description: string; eventPattern: string }> {
    return INTERRUPTION_RULES.map((r) => {
        const name = `${clusterName}-${r.name}`;
        // EventBridge rule names: up to 64 characters; truncating could make two rules collide.
        if (!/^[A-Za-z0-9._-]{1,64}$/.test(name))
            throw new Error(`EventBridge rule name: got ${JSON.stringify(name)}; allowed: up to 64 letters, digits, ., - and _ (shorten the cluster name)`);
        return { name, description: `Karpenter (${clusterName}): ${r.description}`, eventPattern: JSON.stringify(r.eventPattern) };
    });
}

/** The target id upstream gives every rule's queue target. */
export const EVENT_TARGET_ID = "KarpenterInterruptionQueueTarget";

/**
 * Whether an event matches a pattern under EventBridge's rules for plain value lists: every key
 * of the pattern must be in the event with one of the listed values (nested maps recurse).
 */
export function matchesEventPattern(pattern: Record<string, unknown>, event: Record<string, unknown>): boolean {
    return Object.entries(pattern).every(([k, want]) => {
        const got = event[k];
        if (Array.isArray(want)) return want.some((w) => (Array.isArray(got) ? got.includes(w) : got === w));
        if (want && typeof want === "object")
            return !!got && typeof got === "object" && matchesEventPattern(want as Record<string, unknown>, got as Record<string, unknown>);
        return false;
    });
}
