set terminal pngcairo noenhanced size 800,480 font ',10'
set output '../perf-numa-perf.png'
set title "perf bench numa mem: NUMA convergence latency (median, min-max; never converged = the whole run)\nkernel 6.12.117+deb12-amd64 (6.12), topology 2n, qemu TCG"
set ylabel 'seconds until every process runs on one node'
set style fill solid 0.8
set boxwidth 0.6
set yrange [0:*]
set grid ytics
plot 'perf-numa-perf.dat' using 1:3:6:xtic(2) with boxes lc rgb variable notitle, '' using 1:3:4:5 with yerrorbars lc rgb 'black' pt 0 notitle
