set terminal pngcairo noenhanced size 800,480 font ',10'
set output '../moved-probe.png'
set title "moved: latency probe in the unmanaged cgroup (medians over the runs)\nkernel 6.12.117+deb12-amd64 (6.12), topology 2n, qemu TCG"
set ylabel 'ms late + chunk time (log scale)'
set logscale y
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8
set grid ytics
set key top left
plot 'moved-probe.dat' using 2:xtic(1) title 'p50' lc rgb '#9ecae1', '' using 3 title 'p99' lc rgb '#3182bd', '' using 4 title 'max' lc rgb '#08519c'
