package loadjob

import (
	"fmt"
	"maps"
	"strconv"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Names in the objects a Runner makes.
const (
	// Container is the worker's container in each client pod.
	Container = "load"
	// SpecDir is where the spec's ConfigMap is mounted; SpecFile is the
	// spec in it.
	SpecDir  = "/etc/smp"
	SpecFile = "spec.yaml"
	// LabelJob names the Job on everything a Runner makes.
	LabelJob = "smp.dev/load-job"
	// indexAnnotation is where Kubernetes records an indexed Job pod's
	// completion index.
	indexAnnotation = "batch.kubernetes.io/job-completion-index"
)

// jobParams is what a Job is built from.
type jobParams struct {
	Name, Namespace, Image string
	Labels                 map[string]string
	Clients                int
	Target                 string
	Start                  time.Time
	// Deadline bounds the Job's run (activeDeadlineSeconds).
	Deadline time.Duration
}

// labels are p.Labels plus the Job's own.
func (p *jobParams) labels() map[string]string {
	l := maps.Clone(p.Labels)
	if l == nil {
		l = map[string]string{}
	}
	l["app.kubernetes.io/name"] = "smp-load"
	l["app.kubernetes.io/managed-by"] = "smp"
	l[LabelJob] = p.Name
	return l
}

// configMap holds the spec the workers read.
func (p *jobParams) configMap(specYAML []byte) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: p.Name, Namespace: p.Namespace, Labels: p.labels()},
		Data:       map[string]string{SpecFile: string(specYAML)},
	}
}

// job is the indexed Job of p.Clients worker pods: all run at once
// (parallelism = completions), none is retried (a failed client fails
// the iteration), and each runs smp worker on the mounted spec.
func (p *jobParams) job() *batchv1.Job {
	n := int32(p.Clients)
	zero := int32(0)
	indexed := batchv1.IndexedCompletion
	deadline := int64(p.Deadline / time.Second)
	ttl := int32(600) // a safety net: the Runner deletes the Job itself
	grace := int64(5)
	no := false
	labels := p.labels()
	args := []string{"worker",
		"--spec", SpecDir + "/" + SpecFile,
		"--target", p.Target,
		"--clients", strconv.Itoa(p.Clients),
		"--start", p.Start.UTC().Format(time.RFC3339Nano),
	}
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: p.Name, Namespace: p.Namespace, Labels: labels},
		Spec: batchv1.JobSpec{
			CompletionMode:          &indexed,
			Completions:             &n,
			Parallelism:             &n,
			BackoffLimit:            &zero,
			ActiveDeadlineSeconds:   &deadline,
			TTLSecondsAfterFinished: &ttl,
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					RestartPolicy:                 corev1.RestartPolicyNever,
					TerminationGracePeriodSeconds: &grace,
					AutomountServiceAccountToken:  &no,
					Containers: []corev1.Container{{
						Name:            Container,
						Image:           p.Image,
						ImagePullPolicy: corev1.PullIfNotPresent,
						Args:            args,
						VolumeMounts:    []corev1.VolumeMount{{Name: "spec", MountPath: SpecDir, ReadOnly: true}},
					}},
					Volumes: []corev1.Volume{{
						Name: "spec",
						VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
							LocalObjectReference: corev1.LocalObjectReference{Name: p.Name},
						}},
					}},
				},
			},
		},
	}
}

// podIndex is a Job pod's completion index.
func podIndex(pod *corev1.Pod) (int, error) {
	s, ok := pod.Annotations[indexAnnotation]
	if !ok {
		s, ok = pod.Labels[indexAnnotation]
	}
	if !ok {
		return 0, fmt.Errorf("pod %s: no %s annotation", pod.Name, indexAnnotation)
	}
	i, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("pod %s: %s %q: expected an integer", pod.Name, indexAnnotation, s)
	}
	return i, nil
}
