-- Critical work (#17; numbered after its issue so it cannot collide with the queue work's 002..0NN): what the
-- assignment API is told beyond who and when. `interrupt`: preemption asked the engineer to start this case now,
-- over capacity. `priority_severity`/`respond_by`: the priority the engineer works their inbox by (sent when
-- critical.sendPriority is on). `reassigned_from`: rebalancing moved the case here from that engineer, who had not
-- started it (a case moves at most once). See app/docs/policy.md.
ALTER TABLE assignments ADD COLUMN interrupt boolean NOT NULL DEFAULT false;
ALTER TABLE assignments ADD COLUMN priority_severity text CHECK (priority_severity IN ('A', 'B', 'C'));
ALTER TABLE assignments ADD COLUMN respond_by timestamptz;
ALTER TABLE assignments ADD COLUMN reassigned_from text;
