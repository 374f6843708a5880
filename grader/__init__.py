"""Instructor tooling for the course: build the student release, check the
exercise contract, benchmark the notebooks. nbgrader is the engine; this
package drives its stock commands and reads its gradebook."""
