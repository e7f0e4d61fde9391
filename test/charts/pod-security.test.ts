// The Pod Security check the render test applies: each control with an admitted and a rejected pod.
import { podSecurityViolations } from './pod-security';

const restrictedContainer = { name: 'app', image: 'x', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } };
const restrictedPod = { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, containers: [restrictedContainer], volumes: [{ name: 'tmp', emptyDir: {} }] };

test('a restricted pod is admitted at every level', () => {
  for (const level of ['privileged', 'baseline', 'restricted'] as const) expect(podSecurityViolations(restrictedPod, level)).toEqual([]);
});

test('privileged admits anything', () => {
  expect(podSecurityViolations({ hostNetwork: true, containers: [{ name: 'c', securityContext: { privileged: true } }] }, 'privileged')).toEqual([]);
});

test.each([
  [{ hostNetwork: true }, 'hostNetwork: true'],
  [{ hostPID: true }, 'hostPID: true'],
  [{ volumes: [{ name: 'root', hostPath: { path: '/' } }] }, 'hostPath volume root'],
  [{ containers: [{ name: 'c', securityContext: { privileged: true } }] }, 'container c: privileged'],
  [{ containers: [{ name: 'c', securityContext: { capabilities: { add: ['NET_ADMIN'] } } }] }, 'container c: adds capability NET_ADMIN'],
  [{ containers: [{ name: 'c', ports: [{ containerPort: 80, hostPort: 80 }] }] }, 'container c: hostPort 80'],
  [{ securityContext: { sysctls: [{ name: 'kernel.msgmax', value: '1' }] }, containers: [] }, 'unsafe sysctl kernel.msgmax'],
  [{ securityContext: { seccompProfile: { type: 'Unconfined' } }, containers: [] }, 'pod seccompProfile Unconfined'],
])('baseline rejects %j', (spec, violation) => {
  expect(podSecurityViolations({ containers: [{ name: 'c' }], ...spec }, 'baseline')).toContain(violation);
});

test('baseline admits what only restricted forbids (root, no seccomp, capabilities kept)', () => {
  expect(podSecurityViolations({ containers: [{ name: 'c', securityContext: { runAsUser: 0, capabilities: { add: ['NET_BIND_SERVICE', 'CHOWN'] } } }] }, 'baseline')).toEqual([]);
});

test.each([
  [{ ...restrictedPod, securityContext: { seccompProfile: { type: 'RuntimeDefault' } } }, 'container app: runAsNonRoot is not true'],
  [{ ...restrictedPod, securityContext: { runAsNonRoot: true } }, 'container app: seccompProfile is neither RuntimeDefault nor Localhost'],
  [{ ...restrictedPod, containers: [{ ...restrictedContainer, securityContext: { capabilities: { drop: ['ALL'] } } }] }, 'container app: allowPrivilegeEscalation is not false'],
  [{ ...restrictedPod, containers: [{ ...restrictedContainer, securityContext: { allowPrivilegeEscalation: false } }] }, 'container app: capabilities.drop does not include ALL'],
  [{ ...restrictedPod, initContainers: [{ name: 'init', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['CHOWN'] } } }] }, 'container init: adds capability CHOWN (restricted allows only NET_BIND_SERVICE)'],
  [{ ...restrictedPod, volumes: [{ name: 'nfs', nfs: { server: 'x', path: '/' } }] }, 'volume nfs of type nfs'],
])('restricted rejects case %#', (spec, violation) => {
  expect(podSecurityViolations(spec, 'restricted')).toContain(violation);
});
