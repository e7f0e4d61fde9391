import { dnsPlan } from '../../config/dns-plan';
import { testConfig } from './fixtures';

describe('shipped environments (dns/services sections)', () => {
  it('plan the resolver in the hub with a static inbound IP and zones linked to hub and spokes', () => {
    const plan = dnsPlan(testConfig('dev'));
    expect(plan.resolverVnet).toBe('hub');
    expect(plan.inboundIp).toBe('10.10.0.36');
    expect(plan.zoneLinks).toEqual(['hub', 'cluster']);
  });
});
