set terminal pngcairo noenhanced size 800,480 font ',10'
set output '../moved-moved.png'
set title "moved: memory migrated during a run (all of the VM), median and min-max\nkernel 6.12.117+deb12-amd64 (6.12), topology 2n, qemu TCG"
set ylabel 'MiB migrated (pgmigrate_success x 4 KiB)'
set style fill solid 0.8
set boxwidth 0.6
set yrange [0:*]
set grid ytics
set key top left
plot 'moved-moved.dat' using 1:3:7:xtic(2) with boxes lc rgb variable notitle, \
     '' using 1:3:4:5 with yerrorbars lc rgb 'black' pt 0 title 'min-max', \
     '' using 1:6 with points pt 5 ps 1.5 lc rgb 'red' title 'misplaced MiB at t=0'
